//! `Urn::parse` on arbitrary UTF-8: never panics, and an accepted URN displays as the text it
//! was parsed from and parses again to the same value.
#![no_main]

use fgs_emulator::domain::Urn;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    if let Ok(urn) = Urn::parse(s) {
        let shown = urn.to_string();
        assert_eq!(shown, s, "display must give back the parsed text");
        assert_eq!(
            Urn::parse(&shown).as_ref(),
            Ok(&urn),
            "re-parse must give the same URN"
        );
        // The accessors agree with the text.
        assert!(s.contains(urn.function().as_str()));
        assert!(s.contains(urn.package().as_str()) || urn.package().as_str() == "default");
    }
});
