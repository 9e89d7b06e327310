//! Codec throughput: decoding and encoding a stream of 64-byte text frames and a 1 MiB file
//! body, each next to a memcpy of the same bytes measured in the same run; and relayed chat
//! lines decoded owned and borrowed.

use std::hint::black_box;

use bytes::BytesMut;
use chat_harness::protocol::{
    ClientFileHeader, ClientFrame, Frame, FrameDecoder, HhMm, Item, ServerFrame, StreamDecoder,
};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

/// Whole frame size of the text frames: 2 length bytes, 1 type byte, 61 payload bytes.
const TEXT_FRAME: usize = 64;
/// Frames in the text stream (1 MiB of frames).
const TEXT_FRAMES: usize = 16 * 1024;
const FILE_BODY: usize = 1 << 20;
/// Feed size for the streaming variants, like one socket read.
const READ_SIZE: usize = 64 * 1024;

fn text_frames() -> Vec<ClientFrame> {
    (0..TEXT_FRAMES)
        .map(|i| ClientFrame::Text(format!("{:061}", i)))
        .collect()
}

fn encode_all<F: Frame>(frames: &[F]) -> Vec<u8> {
    let mut out = Vec::with_capacity(frames.len() * TEXT_FRAME);
    for frame in frames {
        frame.encode(&mut out).expect("encodable");
    }
    out
}

fn file_stream() -> Vec<u8> {
    let header = ClientFrame::File(ClientFileHeader {
        size: FILE_BODY as u32,
        filename: "big.bin".into(),
        caption: None,
    });
    let mut stream = header.to_bytes().expect("encodable");
    stream.extend((0..FILE_BODY).map(|i| (i * 31) as u8));
    stream
}

/// Decodes everything in `buf`, returning how many items came out.
fn drain(decoder: &mut FrameDecoder<ClientFrame>, buf: &mut BytesMut) -> usize {
    let mut items = 0;
    while let Ok(Some(item)) = decoder.decode(buf) {
        black_box(&item);
        items += 1;
    }
    items
}

/// Feeds `stream` in socket-sized pieces and decodes as it goes.
fn feed_and_decode(stream: &[u8]) -> usize {
    let mut decoder = StreamDecoder::<ClientFrame>::new();
    let mut items = 0;
    for piece in stream.chunks(READ_SIZE) {
        decoder.feed(piece);
        while let Some(Ok(item)) = decoder.next_item() {
            if let Item::FileBody(chunk) = &item {
                black_box(chunk.len());
            }
            items += 1;
        }
    }
    items
}

fn memcpy(c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, src: &[u8]) {
    let mut dst = vec![0u8; src.len()];
    c.bench_function("memcpy baseline", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(src));
            black_box(&dst);
        })
    });
}

fn text(c: &mut Criterion) {
    let frames = text_frames();
    let stream = encode_all(&frames);
    assert_eq!(stream.len(), TEXT_FRAMES * TEXT_FRAME);
    let mut group = c.benchmark_group("text frames (64 B)");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    memcpy(&mut group, &stream);
    group.bench_function("decode", |b| {
        b.iter_batched_ref(
            || BytesMut::from(&stream[..]),
            |buf| assert_eq!(drain(&mut FrameDecoder::new(), buf), TEXT_FRAMES),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("feed + decode (64 KiB reads)", |b| {
        b.iter(|| assert_eq!(feed_and_decode(&stream), TEXT_FRAMES))
    });
    let mut out = Vec::with_capacity(stream.len());
    group.bench_function("encode", |b| {
        b.iter(|| {
            out.clear();
            for frame in &frames {
                frame.encode(&mut out).expect("encodable");
            }
            black_box(&out);
        })
    });
    group.finish();
}

fn file(c: &mut Criterion) {
    let stream = file_stream();
    let header_len = stream.len() - FILE_BODY;
    let mut group = c.benchmark_group("file body (1 MiB)");
    group.throughput(Throughput::Bytes(FILE_BODY as u64));
    memcpy(&mut group, &stream[header_len..]);
    group.bench_function("feed + decode (64 KiB reads)", |b| {
        // Items: the header, one body chunk per read that carries body bytes, the end.
        b.iter(|| assert!(feed_and_decode(&stream) >= 2 + FILE_BODY / READ_SIZE))
    });
    let header = ClientFrame::File(ClientFileHeader {
        size: FILE_BODY as u32,
        filename: "big.bin".into(),
        caption: None,
    });
    let mut out = Vec::with_capacity(stream.len());
    group.bench_function("encode header + body", |b| {
        b.iter(|| {
            out.clear();
            header.encode(&mut out).expect("encodable");
            out.extend_from_slice(black_box(&stream[header_len..]));
            black_box(&out);
        })
    });
    group.finish();
}

/// What the load generator's receivers decode: relayed chat lines, owned or borrowed.
fn server_text(c: &mut Criterion) {
    let time = HhMm::new(23, 29).expect("a time");
    let frames: Vec<ServerFrame> = (0..TEXT_FRAMES)
        .map(|i| ServerFrame::timed_text(time, format!("[bob] {:047}", i)))
        .collect();
    let stream = encode_all(&frames);
    assert_eq!(stream.len(), TEXT_FRAMES * TEXT_FRAME);
    let mut group = c.benchmark_group("server text frames (64 B)");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("decode (owned)", |b| {
        b.iter_batched_ref(
            || BytesMut::from(&stream[..]),
            |buf| {
                let mut decoder = FrameDecoder::<ServerFrame>::new();
                let mut items = 0;
                while let Ok(Some(item)) = decoder.decode(buf) {
                    black_box(&item);
                    items += 1;
                }
                assert_eq!(items, TEXT_FRAMES);
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("decode_ref (borrowed)", |b| {
        b.iter(|| {
            let mut decoder = FrameDecoder::<ServerFrame>::new();
            let (mut start, mut items) = (0, 0);
            while let (n, Some(Ok(item))) = decoder.decode_ref(&stream[start..]) {
                black_box(&item);
                start += n;
                items += 1;
            }
            assert_eq!(items, TEXT_FRAMES);
        })
    });
    group.finish();
}

criterion_group!(benches, text, file, server_text);
criterion_main!(benches);
