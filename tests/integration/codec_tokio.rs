//! The tokio adapter: a `FramedRead` over a byte stream yields the blocking decoder's items.

use chat_harness::fuzz_targets::decode_whole;
use chat_harness::protocol::{ClientFrame, FrameCodec, Item, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use tokio_util::codec::{FramedRead, FramedWrite};

use crate::support::encode_all;

#[tokio::test]
async fn framed_read_matches_the_stream_decoder_and_survives_errors() {
    let mut stream = encode_all(&[ClientFrame::auth("a", 0), ClientFrame::Text("x".into())]);
    stream.extend_from_slice(b"\x00\x00\x00\x02\x09z");
    stream.extend_from_slice(&encode_all(&[ClientFrame::exit()]));
    let mut framed = FramedRead::new(
        &stream[..],
        FrameCodec::<ClientFrame, ServerFrame>::default(),
    );
    let mut frames = Vec::new();
    let mut errors = 0;
    while let Some(item) = framed.next().await {
        match item.expect("no I/O error") {
            Ok(Item::Frame(frame)) => frames.push(frame),
            Ok(other) => panic!("unexpected {other:?}"),
            Err(_) => errors += 1,
        }
    }
    assert_eq!(errors, 2);
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[2], ClientFrame::exit());
    assert_eq!(decode_whole::<ClientFrame>(&stream).len(), 5);
}

#[tokio::test]
async fn framed_write_encodes_like_frame_encode() {
    let mut out = Vec::new();
    {
        let mut sink =
            FramedWrite::new(&mut out, FrameCodec::<ServerFrame, ClientFrame>::default());
        sink.send(ClientFrame::auth("alice", 10800)).await.unwrap();
        sink.send(ClientFrame::exit()).await.unwrap();
    }
    assert_eq!(
        out,
        encode_all(&[ClientFrame::auth("alice", 10800), ClientFrame::exit()])
    );
}
