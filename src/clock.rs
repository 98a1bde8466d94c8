//! Time, injected.
//!
//! Version names (`vYYYYMMDD-HHMMSS`), `last_modified` and `image_name` all come from the
//! [`Clock`] in the app state, never from `Utc::now()` directly, so tests (and later the
//! control plane) can freeze or move time and assert exact values without sleeping.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU8, AtomicU64, Ordering, fence};

use chrono::{DateTime, Duration, FixedOffset, Utc};

/// A source of "now".
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;
}

/// A clock that can be frozen, moved by an offset or handed back to system time while the
/// emulator runs. Tests start it frozen; the control plane (`/_emulator/clock`) drives it.
#[derive(Debug, Default)]
pub struct ControlledClock {
    // A std Mutex: held for a few instructions, never across an await. Writers (the control
    // plane) take it; `now`, which every request calls, reads `published` without a lock.
    mode: Mutex<ClockMode>,
    published: Published,
}

/// The mode as `now` reads it, lock-free: a sequence lock over atomics. A writer (holding
/// the mutex) makes `seq` odd, stores the fields, makes it even again; a reader retries
/// while it is odd or changed under it. Reads only load, so the many requests reading the
/// clock never write to a shared cache line.
#[derive(Debug, Default)]
struct Published {
    seq: AtomicU64,
    /// 0 system, 1 frozen (`secs`/`nanos` since the epoch), 2 offset (`secs`/`nanos`).
    kind: AtomicU8,
    secs: AtomicI64,
    nanos: AtomicI32,
}

impl Published {
    fn store(&self, mode: ClockMode) {
        let (kind, secs, nanos) = match mode {
            ClockMode::System => (0, 0, 0),
            ClockMode::Frozen(at) => (1, at.timestamp(), at.timestamp_subsec_nanos() as i32),
            ClockMode::Offset(d) => (2, d.num_seconds(), d.subsec_nanos()),
        };
        self.seq.fetch_add(1, Ordering::Relaxed);
        fence(Ordering::Release);
        self.kind.store(kind, Ordering::Relaxed);
        self.secs.store(secs, Ordering::Relaxed);
        self.nanos.store(nanos, Ordering::Relaxed);
        self.seq.fetch_add(1, Ordering::Release);
    }

    fn load(&self) -> ClockMode {
        loop {
            let before = self.seq.load(Ordering::Acquire);
            if before.is_multiple_of(2) {
                let kind = self.kind.load(Ordering::Relaxed);
                let secs = self.secs.load(Ordering::Relaxed);
                let nanos = self.nanos.load(Ordering::Relaxed);
                fence(Ordering::Acquire);
                if self.seq.load(Ordering::Relaxed) == before {
                    return match kind {
                        0 => ClockMode::System,
                        1 => ClockMode::Frozen(
                            DateTime::from_timestamp(secs, nanos as u32).unwrap_or_else(earliest),
                        ),
                        _ => ClockMode::Offset(
                            Duration::seconds(secs) + Duration::nanoseconds(i64::from(nanos)),
                        ),
                    };
                }
            }
            std::hint::spin_loop();
        }
    }
}

/// What a [`ControlledClock`] is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockMode {
    /// Follows the machine's clock.
    #[default]
    System,
    /// Stands still at an instant.
    Frozen(DateTime<Utc>),
    /// The machine's clock plus an offset (which may be negative).
    Offset(Duration),
}

impl ControlledClock {
    /// A clock that follows system time until told otherwise.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock frozen at `at`.
    pub fn frozen(at: DateTime<Utc>) -> Self {
        let clock = Self::default();
        clock.set_mode(ClockMode::Frozen(at));
        clock
    }

    /// What the clock is doing now.
    pub fn mode(&self) -> ClockMode {
        *self.lock()
    }

    /// Sets what the clock does.
    pub fn set_mode(&self, mode: ClockMode) {
        let mut current = self.lock();
        *current = mode;
        self.published.store(mode);
    }

    /// Moves the clock forward (or back, for a negative amount). A frozen clock stays
    /// frozen at the new instant; a running clock gains an offset.
    pub fn advance(&self, by: Duration) {
        let mut mode = self.lock();
        *mode = match *mode {
            ClockMode::System => ClockMode::Offset(by),
            ClockMode::Frozen(at) => ClockMode::Frozen(at + by),
            ClockMode::Offset(d) => ClockMode::Offset(d + by),
        };
        self.published.store(*mode);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockMode> {
        // The guarded value is a Copy enum written in one assignment; a poisoned lock still
        // holds a whole value, so recovering it is safe.
        self.mode.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ControlledClock {
    fn now(&self) -> DateTime<Utc> {
        match self.published.load() {
            ClockMode::System => Utc::now(),
            ClockMode::Frozen(at) => at,
            ClockMode::Offset(d) => Utc::now() + d,
        }
    }
}

/// The earliest instant the emulator writes: a day after the Unix epoch, so every offset
/// still gives a 1970 date.
pub const fn earliest() -> DateTime<Utc> {
    EARLIEST
}

/// The latest instant the emulator writes: a day before the year 10000, so every offset
/// still gives a four-digit year (a version name must stay `vYYYYMMDD-HHMMSS`).
pub const fn latest() -> DateTime<Utc> {
    LATEST
}

// Made when compiling: [`local`] clamps every instant it writes (the journal's time, each
// `last_modified`, each image name) between the two, and making them at run time turned
// seconds into a date twice per call (chrono's `from_num_days_from_ce_opt`, 0.7% of update
// config's samples in-process: `cargo bench --bench stack`).
const EARLIEST: DateTime<Utc> = in_range(DateTime::from_timestamp(86_400, 0));
// 9999-12-31T00:00:00Z
const LATEST: DateTime<Utc> = in_range(DateTime::from_timestamp(253_402_214_400, 0));

const fn in_range(at: Option<DateTime<Utc>>) -> DateTime<Utc> {
    match at {
        Some(at) => at,
        None => panic!("a bound out of chrono's range"),
    }
}

/// Whether an instant is one the emulator can write (see [`earliest`], [`latest`]). The
/// control plane and state import refuse others; formatting clamps to them, so no stray
/// instant can make a response panic.
pub fn is_supported(at: DateTime<Utc>) -> bool {
    (earliest()..=latest()).contains(&at)
}

/// `at` in `offset`, clamped to the instants the emulator writes.
pub fn local(at: DateTime<Utc>, offset: FixedOffset) -> DateTime<FixedOffset> {
    at.clamp(earliest(), latest()).with_timezone(&offset)
}

/// The default version name for a publish at `now`: `v` + `YYYYMMDD-HHMMSS` in `offset`.
pub fn default_version_name(now: DateTime<Utc>, offset: FixedOffset) -> String {
    local(now, offset).format("v%Y%m%d-%H%M%S").to_string()
}

/// `last_modified` as the service writes it: RFC 3339, seconds, at `offset`
/// (`2018-03-28T11:30:32+08:00`).
pub fn rfc3339(at: DateTime<Utc>, offset: FixedOffset) -> String {
    Rfc3339::new(at, offset).to_string()
}

/// [`rfc3339`] without a string of its own: every function object carries a
/// `last_modified`, and the renderer (`api::view`) writes it straight into the answer.
/// Digit by digit, as [`image_stamp`]; chrono's `to_rfc3339_opts` builds a string
/// through its formatter (`tests::rfc3339_is_chronos` compares the two).
#[derive(Debug, Clone, Copy)]
pub struct Rfc3339(DateTime<FixedOffset>);

impl Rfc3339 {
    /// `at` in `offset`, clamped as [`local`] clamps it.
    pub fn new(at: DateTime<Utc>, offset: FixedOffset) -> Self {
        Self(local(at, offset))
    }

    /// Appends the text, `YYYY-MM-DDTHH:MM:SS+hh:mm`, to `out`.
    pub fn push_to(&self, out: &mut Vec<u8>) {
        self.with_text(|text| out.extend_from_slice(text.as_bytes()));
    }

    /// Gives `f` the text: from a stack buffer, or from chrono in the cases only it writes.
    fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match self.digits() {
            Some(digits) => {
                f(std::str::from_utf8(&digits).expect("digits and separators are ASCII"))
            }
            None => f(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)),
        }
    }

    /// The text, written digit by digit; `None` for what only chrono writes: a year of
    /// more than four digits or an offset with seconds, neither of which the emulator makes
    /// (clamping keeps the year at four digits, `parse_offset` gives whole minutes).
    fn digits(&self) -> Option<[u8; 25]> {
        use chrono::{Datelike as _, Timelike as _};
        let offset = self.0.offset().local_minus_utc();
        // Once: each of chrono's accessors on a `DateTime<FixedOffset>` adds the offset anew.
        let t = self.0.naive_local();
        if !(0..=9999).contains(&t.year()) || offset % 60 != 0 {
            return None;
        }
        let minutes = offset.unsigned_abs() / 60;
        let year = t.year().unsigned_abs();
        let mut text = *b"0000-00-00T00:00:00+00:00";
        for (at, n) in [
            (0, year / 100),
            (2, year % 100),
            (5, t.month()),
            (8, t.day()),
            (11, t.hour()),
            (14, t.minute()),
            (17, t.second()),
            (20, minutes / 60),
            (23, minutes % 60),
        ] {
            // Every part is below 100: two digits each.
            text[at] = b'0' + (n / 10) as u8;
            text[at + 1] = b'0' + (n % 10) as u8;
        }
        if offset < 0 {
            text[19] = b'-';
        }
        Some(text)
    }
}

impl std::fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.with_text(|text| f.write_str(text))
    }
}

impl serde::Serialize for Rfc3339 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.with_text(|text| s.serialize_str(text))
    }
}

/// The `yyMMddHHmmss` stamp inside an `image_name`. Written digit by digit rather than
/// through a `format` string: every write makes one, and chrono parses the format string
/// on each call (about 1 us, a tenth of a cached write's own work; docs/PERFORMANCE.md).
pub fn image_stamp(at: DateTime<Utc>, offset: FixedOffset) -> String {
    image_stamp_digits(at, offset)
        .map(char::from)
        .iter()
        .collect()
}

/// [`image_stamp`]'s twelve ASCII digits, without a string (`model::ImageName` keeps them).
pub fn image_stamp_digits(at: DateTime<Utc>, offset: FixedOffset) -> [u8; 12] {
    use chrono::{Datelike as _, Timelike as _};
    let t = local(at, offset);
    let mut digits = [0; 12];
    let parts = [
        t.year().rem_euclid(100).unsigned_abs(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    ];
    for (pair, part) in digits.chunks_exact_mut(2).zip(parts) {
        // Every part is below 100: two digits each.
        pair[0] = b'0' + (part / 10) as u8;
        pair[1] = b'0' + (part % 10) as u8;
    }
    digits
}

/// Parses a UTC offset such as `+08:00`, `-05:30` or `Z`.
pub fn parse_offset(s: &str) -> Option<FixedOffset> {
    if s == "Z" || s == "z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 23 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 11, 30, 15).unwrap()
    }

    #[test]
    fn names_and_stamps_use_the_offset() {
        let cst = parse_offset("+08:00").unwrap();
        assert_eq!(default_version_name(at(), cst), "v20261128-193015");
        assert_eq!(rfc3339(at(), cst), "2026-11-28T19:30:15+08:00");
        assert_eq!(image_stamp(at(), cst), "261128193015");
    }

    #[test]
    fn rfc3339_is_chronos() {
        // The hand-written digits against chrono's `to_rfc3339_opts`, over the supported
        // range, its ends and beyond them (clamped), at offsets either side of UTC and
        // one with seconds (which chrono writes).
        let mut offsets = ["+08:00", "-05:30", "Z", "+14:00", "-23:59"]
            .map(|o| parse_offset(o).unwrap())
            .to_vec();
        offsets.push(FixedOffset::east_opt(3600 + 30).unwrap());
        let (first, last) = (earliest().timestamp(), latest().timestamp());
        let step = (last - first) / 997;
        let instants = (0..=997).map(|i| first + i * step).chain([
            first,
            last,
            0,
            last + 86_400 * 400,
            1_700_000_000,
        ]);
        for secs in instants {
            let at = DateTime::from_timestamp(secs, 0).unwrap();
            for &offset in &offsets {
                let chrono_says =
                    local(at, offset).to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
                assert_eq!(rfc3339(at, offset), chrono_says, "{at} at {offset}");
                assert_eq!(Rfc3339::new(at, offset).to_string(), chrono_says);
                let json = serde_json::to_string(&Rfc3339::new(at, offset)).unwrap();
                assert_eq!(json, format!("\"{chrono_says}\""));
            }
        }
    }

    #[test]
    fn image_stamps_match_chrono_formatting() {
        // The hand-written digits against chrono's `%y%m%d%H%M%S`, over instants spread
        // across the supported range and both ends, at offsets either side of UTC.
        let offsets = ["+08:00", "-05:30", "Z", "+14:00"].map(|o| parse_offset(o).unwrap());
        let (first, last) = (earliest().timestamp(), latest().timestamp());
        let step = (last - first) / 997;
        let instants = (0..=997).map(|i| first + i * step).chain([first, last]);
        for secs in instants {
            let at = DateTime::from_timestamp(secs, 0).unwrap();
            for offset in offsets {
                let chrono_says = local(at, offset).format("%y%m%d%H%M%S").to_string();
                assert_eq!(image_stamp(at, offset), chrono_says, "{at} at {offset}");
            }
        }
        let utc = parse_offset("Z").unwrap();
        assert_eq!(rfc3339(at(), utc), "2026-11-28T11:30:15+00:00");
        assert_eq!(
            default_version_name(at(), parse_offset("-05:30").unwrap()),
            "v20261128-060015"
        );
    }

    #[test]
    fn instants_out_of_range_are_clamped_when_written() {
        let far = DateTime::<Utc>::MAX_UTC;
        let cst = parse_offset("+08:00").unwrap();
        assert_eq!(default_version_name(far, cst), "v99991231-080000");
        assert_eq!(rfc3339(far, cst), "9999-12-31T08:00:00+08:00");
        let early = DateTime::<Utc>::MIN_UTC;
        assert_eq!(
            rfc3339(early, parse_offset("-12:00").unwrap()),
            "1970-01-01T12:00:00-12:00"
        );
        assert!(!is_supported(far) && !is_supported(early) && is_supported(at()));
    }

    #[test]
    fn offsets_parse_strictly() {
        for bad in [
            "", "8", "+8:00", "+08", "08:00", "+24:00", "+08:60", "+0a:00",
        ] {
            assert!(parse_offset(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn controlled_clock_freezes_advances_and_offsets() {
        let clock = ControlledClock::frozen(at());
        assert_eq!(clock.now(), at());
        clock.advance(Duration::seconds(5));
        assert_eq!(clock.now(), at() + Duration::seconds(5));
        clock.set_mode(ClockMode::Offset(Duration::days(-1)));
        let drift = (Utc::now() - Duration::days(1) - clock.now())
            .num_seconds()
            .abs();
        assert!(drift < 5);
    }
}
