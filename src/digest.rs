//! SHA-256 content digests, the currency of the cache: objects, keys and lock entries.

use sha2::{Digest as _, Sha256};
use std::fmt;
use std::str::FromStr;

/// A SHA-256 digest. Printed as `sha256:<64 hex>`; stored in paths as bare hex.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// Digest of a byte string.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }

    /// Lower-case hex, 64 characters, no prefix.
    pub fn hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses bare hex or the `sha256:` form.
    pub fn parse(s: &str) -> Option<Digest> {
        let hex_part = s.strip_prefix("sha256:").unwrap_or(s);
        let mut out = [0u8; 32];
        hex::decode_to_slice(hex_part, &mut out).ok()?;
        Some(Digest(out))
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", &self.hex()[..12])
    }
}

impl FromStr for Digest {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Digest::parse(s).ok_or_else(|| format!("not a sha256 digest: `{s}`"))
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read in place, not through a `String`: a manifest or lockfile holds hundreds.
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = Digest;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sha256 digest")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Digest, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let d = Digest::of(b"abc");
        assert_eq!(d.to_string(), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(Digest::parse(&d.to_string()), Some(d));
        assert_eq!(Digest::parse(&d.hex()), Some(d));
        assert_eq!(Digest::parse("sha256:zz"), None);
    }

    #[test]
    fn reads_from_json_in_place_and_refuses_what_is_no_digest() {
        let d = Digest::of(b"abc");
        let json = format!("[\"{d}\"]");
        assert_eq!(serde_json::from_str::<Vec<Digest>>(&json).unwrap(), vec![d]);
        // Through a reader too (no borrowed strings there).
        assert_eq!(serde_json::from_reader::<_, Vec<Digest>>(json.as_bytes()).unwrap(), vec![d]);
        let err = serde_json::from_str::<Digest>("\"sha256:zz\"").unwrap_err().to_string();
        assert!(err.contains("not a sha256 digest"), "{err}");
        assert!(serde_json::from_str::<Digest>("42").is_err());
    }
}
