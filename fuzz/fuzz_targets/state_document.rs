//! The state document (`PUT /_emulator/state`, the state file): arbitrary bytes through
//! serde_json into `StateDocument`, then `StateDocument::into_records`. Never panics; every
//! timestamp of an imported document can be written the way responses write it (RFC 3339,
//! the default version name, the image stamp) at the extreme offsets; a document that
//! imports exports to one that imports to the same export (export o import is idempotent).
#![no_main]

use fgs_emulator::clock::{default_version_name, image_stamp, parse_offset, rfc3339};
use fgs_emulator::domain::VersionName;
use fgs_emulator::state::StateDocument;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<StateDocument>(data) else {
        return;
    };
    if let Ok(records) = doc.into_records() {
        let offsets = ["+08:00", "-12:00", "+14:00", "Z"].map(|o| parse_offset(o).unwrap());
        for f in &records {
            let times = std::iter::once(f.latest.last_modified)
                .chain(f.versions.iter().map(|v| v.state.last_modified))
                .chain(f.aliases.iter().map(|a| a.last_modified));
            for t in times {
                for o in offsets {
                    assert!(!rfc3339(t, o).is_empty());
                    assert!(!image_stamp(t, o).is_empty());
                    let name = default_version_name(t, o);
                    assert!(VersionName::parse(&name).is_ok(), "{name}");
                }
            }
        }
        let exported = StateDocument::of(&records);
        let again = exported
            .clone()
            .into_records()
            .expect("an exported document imports");
        assert_eq!(
            StateDocument::of(&again),
            exported,
            "export o import is idempotent"
        );
    }
});
