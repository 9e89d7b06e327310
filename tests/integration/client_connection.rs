//! The client connection against a scripted peer: exact bytes out, decoded events in.

use chat_harness::client::{BatchReader, Connection, Event};
use chat_harness::protocol::{ClientFrame, Frame, HhMm, Item, ServerFileHeader, ServerFrame};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::test]
async fn sends_exact_bytes_and_decodes_coalesced_replies() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut auth = [0u8; 14];
        socket.read_exact(&mut auth).await.unwrap();
        let time = HhMm::new(12, 0).unwrap();
        let mut reply = ServerFrame::AuthOk("hi".into()).to_bytes().unwrap();
        ServerFrame::File(ServerFileHeader {
            time,
            sender: "bob".into(),
            size: 3,
            filename: "f".into(),
            caption: None,
        })
        .encode(&mut reply)
        .unwrap();
        reply.extend_from_slice(b"abc\x00\x00");
        ServerFrame::timed_text(time, "[bob] yo")
            .encode(&mut reply)
            .unwrap();
        socket.write_all(&reply).await.unwrap();
        auth
    });
    let mut conn = Connection::connect(addr).await.unwrap();
    conn.send(&ClientFrame::auth("alice", 10800)).await.unwrap();
    let mut events = Vec::new();
    loop {
        let event = conn.next_event().await.unwrap();
        let done = event == Event::Closed;
        events.push(event);
        if done {
            break;
        }
    }
    assert_eq!(&peer.await.unwrap(), b"\x00\x0c\x00alice 10800");
    assert!(matches!(events[0], Event::Frame(ServerFrame::AuthOk(_))));
    assert!(matches!(events[1], Event::Frame(ServerFrame::File(_))));
    assert_eq!(
        events[2],
        Event::FileBody(bytes::Bytes::from_static(b"abc"))
    );
    assert_eq!(events[3], Event::FileEnd);
    assert!(
        matches!(events[4], Event::Malformed(_)),
        "len = 0 is reported, then skipped"
    );
    assert!(matches!(&events[5], Event::Frame(ServerFrame::Text(t)) if t.body == "[bob] yo"));
    assert_eq!(events[6], Event::Closed);
}

#[tokio::test]
async fn send_file_streams_header_and_body_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.bin");
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &body).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut all = Vec::new();
        socket.read_to_end(&mut all).await.unwrap();
        all
    });
    let mut conn = Connection::connect(addr).await.unwrap();
    let sent = conn
        .send_file(&path, Some("a caption".into()))
        .await
        .unwrap();
    conn.writer.shutdown().await.unwrap();
    assert_eq!(sent, body.len() as u64);
    let received = peer.await.unwrap();
    let header = b"\x00\x17\x02\x00\x03\x0d\x40data.bin a caption";
    assert_eq!(&received[..header.len()], header);
    assert_eq!(&received[header.len()..], &body[..]);
}

#[tokio::test]
async fn file_names_with_spaces_are_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two words.txt");
    std::fs::write(&path, b"x").unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut conn = Connection::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let error = conn.send_file(&path, None).await.unwrap_err();
    assert!(
        error.to_string().contains("cannot contain a space"),
        "{error}"
    );
}

#[test]
fn the_blocking_flavour_sends_and_receives_the_same() {
    use chat_harness::client::BlockingConnection;
    use std::io::{Read, Write};
    use std::time::Duration;

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut auth = [0u8; 11];
        socket.read_exact(&mut auth).unwrap();
        let mut reply = ServerFrame::AuthOk("ok".into()).to_bytes().unwrap();
        reply.extend_from_slice(b"\x00\x02\x09z");
        ServerFrame::reply("after").encode(&mut reply).unwrap();
        // Split in two writes, the second inside the last frame.
        let (a, b) = reply.split_at(7);
        socket.write_all(a).unwrap();
        socket.flush().unwrap();
        socket.write_all(b).unwrap();
        auth
    });
    let mut conn = BlockingConnection::connect(addr).unwrap();
    conn.send(&ClientFrame::auth("bob", -300)).unwrap();
    let deadline = Some(Duration::from_secs(10));
    assert_eq!(
        conn.next_event(deadline).unwrap(),
        Event::Frame(ServerFrame::AuthOk("ok".into()))
    );
    assert!(matches!(
        conn.next_event(deadline).unwrap(),
        Event::Malformed(_)
    ));
    assert_eq!(
        conn.next_event(deadline).unwrap(),
        Event::Frame(ServerFrame::reply("after"))
    );
    assert_eq!(conn.next_event(deadline).unwrap(), Event::Closed);
    assert_eq!(&peer.join().unwrap(), b"\x00\x09\x00bob -300");
}

#[tokio::test]
async fn into_reset_closes_with_a_reset_and_no_fin() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 16];
        loop {
            match socket.read(&mut buf).await {
                Ok(0) => return (got, None),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => return (got, Some(e.kind())),
            }
        }
    });
    let conn = Connection::connect(addr).await.unwrap();
    let (reader, mut writer) = conn.split();
    writer.send_raw(b"bye").await.unwrap();
    writer.into_reset().unwrap();
    drop(reader);
    let (got, end) = peer.await.unwrap();
    assert_eq!(got, b"bye");
    assert_eq!(end, Some(std::io::ErrorKind::ConnectionReset));
}

/// Everything a batch reader yields, made owned: bodies merged, errors as their raw bytes.
#[derive(Debug, PartialEq)]
enum Seen {
    Frame(ServerFrame),
    Body(Vec<u8>),
    FileEnd,
    Malformed(Vec<u8>),
}

fn take_all(reader: &mut BatchReader, seen: &mut Vec<Seen>) {
    while let Some(item) = reader.next_item() {
        match item {
            Ok(Item::Frame(view)) => seen.push(Seen::Frame(view.into())),
            Ok(Item::FileBody(chunk)) => match seen.last_mut() {
                Some(Seen::Body(body)) => body.extend_from_slice(chunk),
                _ => seen.push(Seen::Body(chunk.to_vec())),
            },
            Ok(Item::FileEnd) => seen.push(Seen::FileEnd),
            Err(e) => seen.push(Seen::Malformed(e.raw.to_vec())),
        }
    }
}

#[tokio::test]
async fn a_batch_reader_goes_on_where_the_event_reader_stopped() {
    let time = HhMm::new(12, 0).unwrap();
    let header = ServerFrame::File(ServerFileHeader {
        time,
        sender: "bob".into(),
        size: 6,
        filename: "f".into(),
        caption: None,
    });
    let text = ServerFrame::timed_text(time, "[bob] yo");
    let mut first = ServerFrame::AuthOk("hi".into()).to_bytes().unwrap();
    header.encode(&mut first).unwrap();
    first.extend_from_slice(b"abc");
    let mut second = b"def\x00\x00".to_vec();
    second.extend_from_slice(&text.to_bytes().unwrap());
    // The last frame arrives in two writes, cut inside its length prefix.
    let (second, third) = second.split_at(second.len() - text.to_bytes().unwrap().len() + 1);
    let (second, third) = (second.to_vec(), third.to_vec());

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let peer = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        socket.write_all(&first).await.unwrap();
        go_rx.await.unwrap();
        socket.write_all(&second).await.unwrap();
        socket.flush().await.unwrap();
        socket.write_all(&third).await.unwrap();
    });
    let conn = Connection::connect(addr).await.unwrap();
    let (mut reader, _writer) = conn.split();
    assert!(matches!(
        reader.next_event().await.unwrap(),
        Event::Frame(ServerFrame::AuthOk(_))
    ));
    let mut reader = reader.into_batch();
    let mut seen = Vec::new();
    let mut go = Some(go_tx);
    loop {
        take_all(&mut reader, &mut seen);
        if seen.len() == 2 && seen[1] == Seen::Body(b"abc".to_vec()) {
            // The first write is all in: ask for the rest.
            go.take().map(|go| go.send(()));
        }
        let read = tokio::time::timeout(std::time::Duration::from_secs(10), reader.fill());
        if read.await.expect("the peer's bytes arrive").unwrap() == 0 {
            break;
        }
    }
    peer.await.unwrap();
    assert!(
        go.is_none(),
        "the first write was decoded before the second was sent"
    );
    assert_eq!(
        seen,
        [
            Seen::Frame(header),
            Seen::Body(b"abcdef".to_vec()),
            Seen::FileEnd,
            Seen::Malformed(b"\x00\x00".to_vec()),
            Seen::Frame(text),
        ]
    );
    assert_eq!(reader.buffered(), 0);
    assert_eq!(
        reader.fill().await.unwrap(),
        0,
        "end of stream stays the end"
    );
}
