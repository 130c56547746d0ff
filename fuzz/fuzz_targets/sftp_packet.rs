//! SFTP packets come straight from clients before anything else checks them: the input is a byte
//! stream as the server reads it (4-byte length, then the packet), cut into frames with the server's
//! own limit. Decoding a frame, as a client packet or as a server reply, must never panic, and
//! whatever decodes must encode to bytes that decode to the same value. A long name is also built
//! from the first bytes, with arbitrary times.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use wharf_sftp::proto::{self, ClientPacket, LongnameInfo, Response};

fn round_trip_client(packet: &ClientPacket) {
    let encoded = match packet {
        ClientPacket::Init { version, extensions } => {
            let pairs: Vec<(&[u8], &[u8])> = extensions.iter().map(|(n, d)| (&n[..], &d[..])).collect();
            proto::encode_init(*version, &pairs)
        }
        ClientPacket::Request { id, request } => proto::encode_request(*id, request),
    };
    assert!(encoded.len() >= 4);
    match proto::decode_client(encoded.slice(4..)) {
        Ok(again) => assert_eq!(&again, packet, "client packet changed after an encode/decode round trip"),
        Err(e) => panic!("an encoded client packet does not decode: {e}"),
    }
}

fn round_trip_reply(reply: &Response) {
    let encoded = reply.encode();
    match Response::decode(encoded.slice(4..)) {
        Ok(again) => assert_eq!(&again, reply, "reply changed after an encode/decode round trip"),
        Err(e) => panic!("an encoded reply does not decode: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() >= 28 {
        let word = |i: usize| u32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
        let wide = |i: usize| i64::from_be_bytes(data[i..i + 8].try_into().unwrap_or([0; 8]));
        let info = LongnameInfo { mode: word(0), nlink: 1, uid: word(4), gid: word(8), size: 0, mtime: wide(12) };
        let line = proto::longname("name", &info, wide(20));
        assert!(line.ends_with(" name"));
    }
    let mut stream = Bytes::copy_from_slice(data);
    // Every frame takes at least 5 bytes: the loop is bounded by the input.
    while stream.len() >= 4 {
        let header = [stream[0], stream[1], stream[2], stream[3]];
        let Ok(len) = proto::frame_len(header, proto::MAX_PACKET_LEN) else { break };
        let len = len as usize;
        if stream.len() < 4 + len {
            break;
        }
        let frame = stream.slice(4..4 + len);
        stream = stream.slice(4 + len..);
        if let Ok(packet) = proto::decode_client(frame.clone()) {
            round_trip_client(&packet);
        }
        if let Ok(reply) = Response::decode(frame) {
            round_trip_reply(&reply);
        }
    }
});
