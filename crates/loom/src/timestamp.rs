//! Timestamps as loompy writes them: UTC, `%Y%m%dT%H%M%S.%fZ` (e.g. `20190918T054530.815648Z`),
//! so that they compare correctly as strings.
//!
//! # Examples
//!
//! ```
//! use loomfile::timestamp;
//! let earlier = timestamp::format(std::time::UNIX_EPOCH);
//! assert!(timestamp::now() > earlier); // the text order is the time order
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Format a time as a loompy timestamp.
///
/// # Examples
///
/// ```
/// use loomfile::timestamp::format;
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_micros(1_568_785_530_815_648);
/// assert_eq!(format(t), "20190918T054530.815648Z");
/// ```
pub fn format(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (y, mo, da) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}{mo:02}{da:02}T{:02}{:02}{:02}.{:06}Z",
        s / 3600,
        (s % 3600) / 60,
        s % 60,
        d.subsec_micros()
    )
}

/// The current time as a loompy timestamp.
///
/// # Examples
///
/// ```
/// let stamp = loomfile::timestamp::now();
/// assert_eq!(stamp.len(), 23);
/// assert_eq!((&stamp[8..9], &stamp[15..16]), ("T", "."));
/// ```
pub fn now() -> String {
    format(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn known_instants() {
        assert_eq!(format(UNIX_EPOCH), "19700101T000000.000000Z");
        let t = UNIX_EPOCH + Duration::from_micros(1_568_785_530_815_648);
        assert_eq!(format(t), "20190918T054530.815648Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(format(leap), "20000229T000000.000000Z");
    }
}
