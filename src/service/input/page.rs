//! `marker` and `maxitems` paging for the list operations.

use serde::Deserialize;

use crate::error::ApiError;

/// `marker` and `maxitems` as they arrive in a query string.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListQuery {
    /// Offset of the first item.
    pub marker: Option<String>,
    /// At most this many items.
    pub maxitems: Option<String>,
    /// Only functions of this package.
    pub package_name: Option<String>,
    /// The function name.
    pub func_name: Option<String>,
}

/// A validated page request: start at `marker` (an offset), return at most `maxitems`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// Offset of the first item.
    pub marker: usize,
    /// Most items to return, 1..=400.
    pub maxitems: usize,
}

impl Page {
    /// The default and largest page.
    pub const MAX_ITEMS: usize = 400;

    /// `marker` is an offset (absent: 0); `maxitems` absent, 0 or over 400 means 400. Each
    /// must be a whole number from 0 to 2^63-1 (the integer the OpenAPI document declares);
    /// negative, empty or anything else is 400 FSS.0400.
    pub fn parse(q: &ListQuery) -> Result<Self, ApiError> {
        let number = |name: &str, v: &Option<String>| -> Result<Option<u64>, ApiError> {
            match v.as_deref() {
                None => Ok(None),
                Some(s) => s
                    .parse::<i64>()
                    .ok()
                    .and_then(|n| u64::try_from(n).ok())
                    .map(Some)
                    .ok_or_else(|| {
                        ApiError::invalid_parameter(format!(
                            "{name} must be a whole number from 0 to {}, got '{}'",
                            i64::MAX,
                            s.chars().take(32).collect::<String>()
                        ))
                    }),
            }
        };
        let marker = number("marker", &q.marker)?.unwrap_or(0);
        let maxitems = match number("maxitems", &q.maxitems)? {
            None | Some(0) => Self::MAX_ITEMS,
            Some(n) => usize::try_from(n)
                .unwrap_or(usize::MAX)
                .min(Self::MAX_ITEMS),
        };
        Ok(Self {
            marker: usize::try_from(marker).unwrap_or(usize::MAX),
            maxitems,
        })
    }

    /// The range of `total` items this page covers, and `next_marker`: the offset after
    /// its last item, so `total` on the last page (SPEC 9; Cloud Custodian pages until
    /// `next_marker >= count`, and a 0 there made it page forever).
    pub fn window(self, total: usize) -> (std::ops::Range<usize>, usize) {
        let start = self.marker.min(total);
        let end = start.saturating_add(self.maxitems).min(total);
        (start..end, end)
    }
}
