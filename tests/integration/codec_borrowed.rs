//! The borrowed decode (`FrameDecoder::decode_ref`): frames are views into the caller's
//! buffer, the consumed count says exactly what to drop, and errors and file bodies behave as
//! in the owned decode.

use chat_harness::protocol::{
    FrameDecoder, FrameError, HhMm, Item, ServerFileHeader, ServerFrame, ServerFrameRef,
    ServerTextRef,
};

use crate::support::encode_all;

fn contains(outer: &[u8], inner: &[u8]) -> bool {
    outer.as_ptr_range().start <= inner.as_ptr()
        && inner.as_ptr_range().end <= outer.as_ptr_range().end
}

#[test]
fn a_text_view_borrows_from_the_input_and_converts_to_the_owned_frame() {
    let time = HhMm::new(23, 29).unwrap();
    let owned = ServerFrame::timed_text(time, "[bob] hi");
    let stream = encode_all(&[owned.clone(), ServerFrame::reply("no")]);
    let mut decoder = FrameDecoder::<ServerFrame>::new();

    let (consumed, item) = decoder.decode_ref(&stream);
    let Some(Ok(Item::Frame(view))) = item else {
        panic!("expected a frame, got {item:?}");
    };
    assert_eq!(consumed, 2 + 1 + 8 + "[bob] hi".len());
    let ServerFrameRef::Text(text) = view else {
        panic!("expected a text, got {view:?}");
    };
    assert_eq!(
        text,
        ServerTextRef {
            time: Some(time),
            body: "[bob] hi"
        }
    );
    assert!(
        contains(&stream, text.body.as_bytes()),
        "the body is not copied"
    );
    assert_eq!(text.chat_line(), Some(("bob", "hi")));
    assert_eq!(ServerFrame::from(view), owned);

    let (rest, item) = decoder.decode_ref(&stream[consumed..]);
    assert_eq!(consumed + rest, stream.len());
    assert!(
        matches!(item, Some(Ok(Item::Frame(ServerFrameRef::Text(t)))) if t.time.is_none() && t.body == "no")
    );
    assert_eq!(decoder.decode_ref(&[]), (0, None));
}

#[test]
fn a_partial_frame_consumes_nothing() {
    let stream = encode_all(&[ServerFrame::Renamed("Username changed to bob".into())]);
    let mut decoder = FrameDecoder::<ServerFrame>::new();
    for cut in 0..stream.len() {
        assert_eq!(
            decoder.decode_ref(&stream[..cut]),
            (0, None),
            "cut at {cut}"
        );
    }
    assert!(matches!(
        decoder.decode_ref(&stream),
        (n, Some(Ok(Item::Frame(ServerFrameRef::Renamed("Username changed to bob"))))) if n == stream.len()
    ));
}

#[test]
fn a_file_body_comes_as_slices_of_the_input_then_file_end() {
    let header = ServerFrame::File(ServerFileHeader {
        time: HhMm::new(1, 2).unwrap(),
        sender: "bob".into(),
        size: 5,
        filename: "f.txt".into(),
        caption: Some("a caption".into()),
    });
    let mut stream = encode_all(std::slice::from_ref(&header));
    let header_len = stream.len();
    stream.extend_from_slice(b"hello");
    let mut decoder = FrameDecoder::<ServerFrame>::new();

    let (n, item) = decoder.decode_ref(&stream[..header_len + 2]);
    assert_eq!(n, header_len);
    let Some(Ok(Item::Frame(view @ ServerFrameRef::File(h)))) = item else {
        panic!("expected a file header, got {item:?}");
    };
    assert_eq!(
        (h.sender, h.size, h.filename, h.caption),
        ("bob", 5, "f.txt", Some("a caption"))
    );
    assert_eq!(ServerFrame::from(view), header);

    let (n, item) = decoder.decode_ref(&stream[header_len..header_len + 2]);
    assert_eq!((n, item), (2, Some(Ok(Item::FileBody(&b"he"[..])))));
    let (n, item) = decoder.decode_ref(&stream[header_len + 2..]);
    assert_eq!((n, item), (3, Some(Ok(Item::FileBody(&b"llo"[..])))));
    assert_eq!(decoder.decode_ref(&[]), (0, Some(Ok(Item::FileEnd))));
    assert_eq!(decoder.decode_ref(&[]), (0, None));
}

#[test]
fn a_malformed_file_header_is_reported_with_its_raw_bytes_and_its_body_skipped() {
    // A 0x02 frame whose sender is not in brackets, announcing a 4-byte body.
    let mut bad = vec![0x00, 0x00, 0x02];
    bad.extend_from_slice(b"<01:02> bob\xff\x00\x00\x00\x04f");
    let len = (bad.len() - 2) as u16;
    bad[..2].copy_from_slice(&len.to_be_bytes());
    let mut stream = bad.clone();
    stream.extend_from_slice(b"BODY");
    let next = encode_all(&[ServerFrame::AuthOk("welcome".into())]);
    stream.extend_from_slice(&next);
    let mut decoder = FrameDecoder::<ServerFrame>::new();

    let (n, item) = decoder.decode_ref(&stream[..bad.len() + 1]);
    assert_eq!(n, bad.len());
    let Some(Err(error)) = item else {
        panic!("expected an error, got {item:?}");
    };
    assert!(matches!(
        error.error,
        FrameError::Malformed {
            frame_type: 0x02,
            ..
        }
    ));
    assert_eq!((error.raw, error.skipped_body), (&bad[..], 4));
    assert_eq!(error.into_owned().raw, bad);

    // One body byte arrived with the header: it is skipped, and nothing is yielded yet.
    let (n, item) = decoder.decode_ref(&stream[bad.len()..bad.len() + 1]);
    assert_eq!((n, item.is_none()), (1, true));
    // The rest of the body and the next frame in one go: the body is consumed in front of it.
    let (n, item) = decoder.decode_ref(&stream[bad.len() + 1..]);
    assert_eq!(n, 3 + next.len());
    assert!(matches!(
        item,
        Some(Ok(Item::Frame(ServerFrameRef::AuthOk("welcome"))))
    ));
}
