//! Function settings with the real service's rules: runtime, memory, timeout, handler,
//! code type, description, and the code digest.

use std::fmt;

use sha2::Digest as _;

/// The runtimes the current service offers (the official Python SDK's model lists them;
/// SPEC section 3). Anything else is 400 FSS.1005.
pub const RUNTIMES: &[&str] = &[
    "Java8",
    "Java11",
    "Java17",
    "Python2.7",
    "Python3.6",
    "Python3.9",
    "Python3.10",
    "Go1.8",
    "Go1.x",
    "Node.js6.10",
    "Node.js8.10",
    "Node.js10.16",
    "Node.js12.13",
    "Node.js14.18",
    "Node.js16.17",
    "Node.js18.15",
    "C#(.NET Core 2.0)",
    "C#(.NET Core 2.1)",
    "C#(.NET Core 3.1)",
    "C#(.NET Core 6.0)",
    "Custom",
    "PHP7.3",
    "PHP8.3",
    "Cangjie1.0",
    "http",
    "Custom Image",
];

/// A runtime from [`RUNTIMES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Runtime(&'static str);

impl Runtime {
    /// Parses a runtime name (exact spelling, as the service compares it).
    pub fn parse(s: &str) -> Option<Self> {
        RUNTIMES.iter().find(|r| **r == s).map(|r| Self(r))
    }

    /// The runtime's name.
    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// Runtimes whose handler is not `file.function` (a custom bootstrap or an image).
    fn free_form_handler(self) -> bool {
        matches!(self.0, "Custom" | "http" | "Custom Image")
    }
}

/// The memory sizes the service offers, in MB.
pub const MEMORY_SIZES: &[u32] = &[
    128, 256, 512, 768, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096,
];

/// A memory size from [`MEMORY_SIZES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemorySize(u32);

impl MemorySize {
    /// Parses a memory size in MB.
    pub fn new(mb: i64) -> Option<Self> {
        MEMORY_SIZES
            .iter()
            .find(|m| i64::from(**m) == mb)
            .map(|m| Self(*m))
    }

    /// The size in MB.
    pub fn mb(self) -> u32 {
        self.0
    }

    /// CPU in millicores, as the service derives it: `memory / 128 * 100 + 200`.
    pub fn cpu_millicores(self) -> u32 {
        self.0 / 128 * 100 + 200
    }
}

/// An execution timeout in seconds, `3..=259200` (72 hours, the current service; SPEC 3
/// said 900 first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timeout(u32);

impl Timeout {
    /// Smallest timeout the service takes.
    pub const MIN: i64 = 3;
    /// Largest timeout the service takes (SPEC section 3; newer regions allow more).
    pub const MAX: i64 = 259_200;

    /// Parses a timeout in seconds.
    pub fn new(seconds: i64) -> Option<Self> {
        (Self::MIN..=Self::MAX)
            .contains(&seconds)
            .then_some(Self(seconds as u32))
    }

    /// The timeout in seconds.
    pub fn seconds(self) -> u32 {
        self.0
    }
}

/// A handler: `file.function` for the language runtimes (must contain a `.`), any
/// non-empty text for Custom, http and Custom Image. At most 128 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handler(String);

impl Handler {
    /// Parses a handler for the given runtime.
    pub fn parse(s: &str, runtime: Runtime) -> Option<Self> {
        Self::is_valid(s, runtime).then(|| Self(s.to_owned()))
    }

    /// An empty handler, which no rule accepts: only for a value holder that is never kept
    /// (`FunctionConfig::holder`).
    pub(crate) fn placeholder() -> Self {
        Self(String::new())
    }

    /// Whether [`Handler::parse`] takes `s` for `runtime` (without keeping a copy).
    pub fn is_valid(s: &str, runtime: Runtime) -> bool {
        let shape_ok = if runtime.free_form_handler() {
            !s.trim().is_empty()
        } else {
            // "xx.xx": something on both sides of a dot.
            s.split_once('.')
                .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())
                && !s.chars().any(char::is_whitespace)
        };
        // No more than 128 bytes is no more than 128 characters: counting is for the rest.
        shape_ok && (s.len() <= 128 || s.chars().count() <= 128)
    }

    /// The handler text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a function's code is supplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeType {
    /// Code edited inline, sent base64 in `func_code.file`; at most
    /// `limits.max_inline_code_bytes`.
    Inline,
    /// A zip package, base64 in `func_code.file`.
    Zip,
    /// A jar package, base64 in `func_code.file`.
    Jar,
    /// A package in OBS, named by `code_url`; the emulator keeps only the URL.
    Obs,
    /// A container image from SWR, named by `custom_image.image`.
    CustomImageSwr,
}

impl CodeType {
    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "inline" => Self::Inline,
            "zip" => Self::Zip,
            "jar" => Self::Jar,
            "obs" => Self::Obs,
            "Custom-Image-Swr" => Self::CustomImageSwr,
            _ => return None,
        })
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inline => "inline",
            Self::Zip => "zip",
            Self::Jar => "jar",
            Self::Obs => "obs",
            Self::CustomImageSwr => "Custom-Image-Swr",
        }
    }

    /// Whether the code travels as base64 bytes in `func_code.file`.
    pub fn carries_bytes(self) -> bool {
        matches!(self, Self::Inline | Self::Zip | Self::Jar)
    }
}

impl fmt::Display for CodeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A description (of a function, a version or an alias): at most 512 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Description(String);

impl Description {
    /// No description (what latest has).
    pub const EMPTY: Self = Self(String::new());

    /// The longest description the service takes, in characters.
    pub const MAX_CHARS: usize = 512;

    /// Parses a description.
    pub fn parse(s: &str) -> Option<Self> {
        (s.chars().count() <= Self::MAX_CHARS).then(|| Self(s.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A code digest: lowercase hex SHA-512, 128 characters, held inline.
///
/// Inline rather than a `String` because every code upload makes one and the code pool
/// keys on it: no allocation to make it, none to copy it, and a pool lookup compares it in
/// place instead of following a pointer to its text.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; Digest::LEN]);

impl Digest {
    /// Its length in hex characters.
    const LEN: usize = 128;

    /// The SHA-512 of some bytes.
    pub fn of(bytes: &[u8]) -> Self {
        let mut text = [0; Self::LEN];
        hex::encode_to_slice(sha2::Sha512::digest(bytes), &mut text).expect("128 hex digits");
        Self(text)
    }

    /// Parses a digest sent by a client: 128 hex characters, compared in lowercase.
    pub fn parse(s: &str) -> Option<Self> {
        let text: [u8; Self::LEN] = s.as_bytes().try_into().ok()?;
        text.iter()
            .all(u8::is_ascii_hexdigit)
            .then(|| Self(text.map(|b| b.to_ascii_lowercase())))
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever stored (`of`, `parse`).
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Digest").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stable id shaped like the service's UUIDs: the first 128 bits of the SHA-512 of
/// `seed`, as `8-4-4-4-12` hex digits. The same seed gives the same id on every run.
pub fn uuid_of(seed: &str) -> String {
    let h = Digest::of(seed.as_bytes());
    let h = h.as_str();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Bytes as lowercase hex (digests, signatures). `hex::encode` goes through a `char`
/// iterator, three times slower than its slice encoder (about 270 against 90 ns for a
/// SHA-512); every create and code update makes a digest, every signed request three.
pub fn hex_string(bytes: &[u8]) -> String {
    let mut text = vec![0; bytes.len() * 2];
    hex::encode_to_slice(bytes, &mut text).expect("two digits per byte");
    String::from_utf8(text).expect("hex digits are ASCII")
}

/// Code bytes as they travel in JSON (`func_code.file`, the state document): standard
/// base64 with padding.
pub fn encode_code(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_follows_memory() {
        assert_eq!(MemorySize::new(128).unwrap().cpu_millicores(), 300);
        assert_eq!(MemorySize::new(256).unwrap().cpu_millicores(), 400);
        assert_eq!(MemorySize::new(4096).unwrap().cpu_millicores(), 3400);
        assert!(MemorySize::new(100).is_none());
        assert!(MemorySize::new(-128).is_none());
    }

    #[test]
    fn timeout_bounds() {
        assert!(Timeout::new(2).is_none());
        assert!(Timeout::new(3).is_some());
        assert!(Timeout::new(900).is_some());
        assert!(Timeout::new(259_200).is_some());
        assert!(Timeout::new(259_201).is_none());
    }

    #[test]
    fn handlers_need_a_dot_except_for_custom_runtimes() {
        let py = Runtime::parse("Python3.9").unwrap();
        assert!(Handler::parse("index.handler", py).is_some());
        assert!(Handler::parse("index", py).is_none());
        assert!(Handler::parse(".handler", py).is_none());
        assert!(Handler::parse("index.", py).is_none());
        let custom = Runtime::parse("Custom").unwrap();
        assert!(Handler::parse("bootstrap", custom).is_some());
        assert!(Handler::parse(" ", custom).is_none());
    }

    #[test]
    fn runtimes_are_exact() {
        assert!(Runtime::parse("Python3.9").is_some());
        assert!(Runtime::parse("C#(.NET Core 6.0)").is_some());
        assert!(Runtime::parse("python3.9").is_none());
        assert!(Runtime::parse("Python3.11").is_none());
    }

    #[test]
    fn digest_is_lowercase_sha512_hex() {
        let d = Digest::of(b"");
        assert_eq!(
            d.as_str(),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
        );
        assert_eq!(Digest::parse(&d.as_str().to_uppercase()), Some(d.clone()));
        assert_eq!(d.to_string(), d.as_str());
        assert!(Digest::parse("abc").is_none());
        assert!(Digest::parse(&"a".repeat(129)).is_none());
        assert!(Digest::parse(&"g".repeat(128)).is_none(), "not hex");
        assert!(
            Digest::parse(&"é".repeat(64)).is_none(),
            "128 bytes, not hex"
        );
        assert!(Digest::of(b"a") < Digest::of(b"b"), "ordered as their text");
    }

    #[test]
    fn description_counts_characters_not_bytes() {
        assert!(Description::parse(&"é".repeat(512)).is_some());
        assert!(Description::parse(&"a".repeat(513)).is_none());
    }
}
