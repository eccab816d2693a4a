//! Compression of GraphQL responses, inside the execution's turn.
//!
//! `tower_http::compression` encodes while the body is written, after the
//! handler has given its turn back (`AppState::executions`): at 32
//! connections every response being written kept an encoder alive (brotli
//! at its default 22-bit window: 9.8 MB each), 50 MB and more over the rest
//! of the service (bench/README.md). A GraphQL response is whole before it leaves,
//! so the handler compresses it while it still holds its turn: at most one
//! encoder per turn, freed before the first byte is written, and a slow
//! reader holds nothing but its compressed bytes. Every other response
//! (GraphiQL, the SDL, refusals before execution) is still compressed by the
//! layer, which leaves a body that has a `Content-Encoding` alone.

mod recycling;

use axum::http::header::{ACCEPT_ENCODING, HeaderMap, HeaderValue};
use brotli::Allocator;
use recycling::Recycling;
use std::io::Write;

/// A content coding the service writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    Gzip,
    Brotli,
}

/// Bodies smaller than this go as they are, as the layer's default does.
const MIN_BYTES: usize = 32;
/// Level 4 of either: the libraries' defaults (6 for gzip, 11 for brotli)
/// are meant for static files; at 4 a 109 KB page shrinks about 11 times
/// for 0.7 ms (gzip) or 1.2 ms (brotli).
const LEVEL: u32 = 4;
/// Brotli's window, 2^18 = 256 KiB, larger than a large page: 2.1 MB per
/// encoder against 9.8 MB at the default 22 bits, for the same output.
const BROTLI_WINDOW_BITS: u32 = 18;

impl Coding {
    /// The coding to answer a request with, from its `Accept-Encoding`:
    /// the one with the higher q-value, gzip when the client takes both
    /// alike (browsers send `gzip, deflate, br, zstd`: gzip at level 4 costs
    /// less CPU for 6% more bytes); none when it takes neither. A coding with
    /// `q=0` is refused; a malformed entry is ignored, as is `*`.
    pub fn negotiate(headers: &HeaderMap) -> Option<Self> {
        let (mut gzip, mut brotli) = (0u16, 0u16);
        let entries = headers
            .get_all(ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','));
        for entry in entries {
            let mut parts = entry.splitn(2, ';');
            let name = parts.next().unwrap_or_default().trim();
            let Some(q) = parts.next().map_or(Some(1000), q_value) else {
                continue;
            };
            if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                gzip = q;
            } else if name.eq_ignore_ascii_case("br") {
                brotli = q;
            }
        }
        match (gzip, brotli) {
            (0, 0) => None,
            (g, b) if b > g => Some(Self::Brotli),
            _ => Some(Self::Gzip),
        }
    }

    /// `Content-Encoding` for this coding.
    pub fn header_value(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::Gzip => "gzip",
            Self::Brotli => "br",
        })
    }

    /// `body` encoded, or `None` when it is too small to be worth it.
    pub fn encode(self, body: &[u8]) -> Option<Vec<u8>> {
        if body.len() < MIN_BYTES {
            return None;
        }
        // Writing into a Vec cannot fail; an encoder error would be a bug,
        // answered by sending the body as it is.
        let out = Vec::with_capacity(body.len() / 8);
        let encoded = match self {
            Self::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(out, flate2::Compression::new(LEVEL));
                encoder.write_all(body).and_then(|()| encoder.finish())
            }
            Self::Brotli => {
                // The encoder's arrays come from, and go back to, this
                // thread's pool (`recycling`).
                let buffer = Allocator::<u8>::alloc_cell(&mut Recycling, 4096);
                let mut encoder = brotli::enc::writer::CompressorWriterCustomAlloc::new(
                    out,
                    buffer,
                    Recycling,
                    LEVEL,
                    BROTLI_WINDOW_BITS,
                );
                // `into_inner` ends the stream.
                encoder.write_all(body).map(|()| encoder.into_inner())
            }
        };
        encoded.ok()
    }
}

/// `q=0.5` as thousandths (500); `None` when malformed (RFC 9110 §12.4.2).
fn q_value(param: &str) -> Option<u16> {
    let (key, value) = param.trim().split_once('=')?;
    if !key.trim().eq_ignore_ascii_case("q") {
        return None;
    }
    let value = value.trim();
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn accepting(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn negotiates_by_q_value_and_prefers_gzip_on_a_tie() {
        let cases = [
            ("", None),
            ("identity", None),
            ("gzip", Some(Coding::Gzip)),
            ("br", Some(Coding::Brotli)),
            ("gzip, deflate, br, zstd", Some(Coding::Gzip)),
            ("br;q=1.0, gzip;q=0.8", Some(Coding::Brotli)),
            ("gzip;q=0.5, br;q=0.9", Some(Coding::Brotli)),
            ("GZIP;Q=0.5", Some(Coding::Gzip)),
            ("gzip;q=0, br", Some(Coding::Brotli)),
            ("gzip;q=0, br;q=0", None),
            ("br;q=0.000", None),
            ("gzip;q=2", None),
            ("gzip;q=0.1234", None),
            ("gzip;level=9", None),
            ("*", None),
            ("x-gzip", Some(Coding::Gzip)),
        ];
        for (header, expected) in cases {
            assert_eq!(
                Coding::negotiate(&accepting(header)),
                expected,
                "{header:?}"
            );
        }
        assert_eq!(Coding::negotiate(&HeaderMap::new()), None);
    }

    #[test]
    fn encodes_what_decoders_read_back() {
        let body = r#"{"data":{"courses":{"nodes":[{"title":"臨床研究医コース"}]}}}"#
            .repeat(50)
            .into_bytes();
        let gzip = Coding::Gzip.encode(&body).unwrap();
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzip[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, body);
        assert!(gzip.len() < body.len() / 10);

        let br = Coding::Brotli.encode(&body).unwrap();
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, body);
        assert!(br.len() < body.len() / 10);
    }

    #[test]
    fn brotli_keeps_one_encoders_memory_between_responses() {
        let body = r#"{"data":{"title":"臨床研究医コース"}}"#.repeat(500).into_bytes();
        let first = Coding::Brotli.encode(&body).unwrap();
        let kept = recycling::pooled_bytes();
        assert!(kept > 256 << 10, "the encoder's arrays are kept: {kept}");
        for _ in 0..5 {
            assert_eq!(Coding::Brotli.encode(&body).unwrap(), first);
            assert_eq!(recycling::pooled_bytes(), kept, "reused, not grown");
        }
    }

    #[test]
    fn leaves_tiny_bodies_alone() {
        assert_eq!(Coding::Gzip.encode(b"{\"data\":null}"), None);
    }
}
