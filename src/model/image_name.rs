//! `image_name`: the internal image identifier of latest or of a version,
//! `<owner>-<yyMMddHHmmss>@<5 of [a-z0-9]>`, where the owner is what it belongs to
//! (`latest`, or the version's name).
//!
//! **Why not a `String`.** The owner's name is in its record already, so the emulator keeps
//! only the 18 characters after `<owner>-`, inline. A `String` took 24 bytes in the record and
//! an allocation of 48 beside it (the text and the allocator's rounding): a fifth of what a
//! published version keeps, and one allocation and one free on every write. Publish is the
//! write a growing store makes slower, page by page (`docs/PERFORMANCE.md`, eleventh
//! step). The renderer writes the name from its pieces ([`ImageName::parts`]).
//!
//! A state document written by hand (or by another tool) may hold any text: that is kept
//! as given ([`ImageName::Given`]) and answered unchanged.

use std::fmt;

/// An `image_name`, without its owner's name (see the module's documentation).
#[derive(Clone, PartialEq, Eq)]
pub enum ImageName {
    /// Made by the emulator: the 18 ASCII characters after `<owner>-`,
    /// `yyMMddHHmmss@xxxxx`.
    Made([u8; 18]),
    /// Any other text a state document held, whole (owner included).
    Given(Box<str>),
}

impl ImageName {
    /// A made name from its stamp (`clock::image_stamp_digits`) and its five characters
    /// from `[a-z0-9]`.
    pub fn new(stamp: [u8; 12], tail: [u8; 5]) -> Self {
        let mut made = [b'@'; 18];
        made[..12].copy_from_slice(&stamp);
        made[13..].copy_from_slice(&tail);
        assert!(
            is_made(&made),
            "an image name's stamp is digits, its tail [a-z0-9]"
        );
        Self::Made(made)
    }

    /// The name `text`, as a state document holds it, of `owner` (`latest` or the version's
    /// name): made if it has a made name's shape, else kept as given.
    pub fn parse(owner: &str, text: &str) -> Self {
        let made = text
            .strip_prefix(owner)
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|rest| <[u8; 18]>::try_from(rest.as_bytes()).ok())
            .filter(is_made);
        match made {
            Some(made) => Self::Made(made),
            None => Self::Given(text.into()),
        }
    }

    /// The name's text in pieces, in order, for `owner`: their concatenation is the name.
    pub fn parts<'a>(&'a self, owner: &'a str) -> [&'a str; 3] {
        match self {
            // ASCII by construction (`new`, `parse`): never the empty fallback.
            Self::Made(made) => [owner, "-", std::str::from_utf8(made).unwrap_or_default()],
            Self::Given(text) => [text, "", ""],
        }
    }

    /// The name's text for `owner`.
    pub fn text(&self, owner: &str) -> String {
        self.parts(owner).concat()
    }

    /// The name for `owner`, to format (`{}`).
    pub fn display<'a>(&'a self, owner: &'a str) -> impl fmt::Display + 'a {
        struct Shown<'a>([&'a str; 3]);
        impl fmt::Display for Shown<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.iter().try_for_each(|part| f.write_str(part))
            }
        }
        Shown(self.parts(owner))
    }
}

/// Whether 18 bytes are `yyMMddHHmmss@xxxxx` with `x` from `[a-z0-9]`.
fn is_made(made: &[u8; 18]) -> bool {
    made[..12].iter().all(u8::is_ascii_digit)
        && made[12] == b'@'
        && made[13..]
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

impl fmt::Debug for ImageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.text("<owner>"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_name_is_its_owner_then_its_stamp_and_tail() {
        let name = ImageName::new(*b"261128193015", *b"ab3de");
        assert_eq!(name.text("v1"), "v1-261128193015@ab3de");
        assert_eq!(name.text("latest"), "latest-261128193015@ab3de");
        assert_eq!(name.display("v1").to_string(), "v1-261128193015@ab3de");
        // 24 bytes, as the `String` it replaces, and nothing on the heap.
        assert_eq!(size_of::<ImageName>(), 24);
    }

    #[test]
    fn a_stored_name_is_made_when_it_has_the_shape_and_kept_as_given_otherwise() {
        let made = ImageName::parse("v1", "v1-261128193015@ab3de");
        assert_eq!(made, ImageName::new(*b"261128193015", *b"ab3de"));
        assert_eq!(made.text("v1"), "v1-261128193015@ab3de");
        for given in [
            "v2-261128193015@ab3de",  // another owner
            "v1-261128193015@AB3DE",  // not [a-z0-9]
            "v1-26112819301x@ab3de",  // not digits
            "v1-261128193015#ab3de",  // no @
            "v1-261128193015@ab3def", // too long
            "v1261128193015@ab3de",   // no dash
            "anything at all, \"even\" this",
            "",
        ] {
            let name = ImageName::parse("v1", given);
            assert!(matches!(name, ImageName::Given(_)), "{given}");
            assert_eq!(name.text("v1"), given);
        }
    }

    #[test]
    #[should_panic(expected = "tail")]
    fn a_made_name_refuses_what_is_not_its_shape() {
        ImageName::new(*b"261128193015", *b"AB-DE");
    }
}
