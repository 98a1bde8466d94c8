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

    /// ListFunctions' and ListFunctionVersions' page: `marker` is an offset (absent: 0);
    /// `maxitems` absent, 0 or over 400 means 400.
    pub fn parse(q: &ListQuery) -> Result<Self, ApiError> {
        Self::with_limit(
            q.marker.as_deref(),
            ("maxitems", q.maxitems.as_deref()),
            Self::MAX_ITEMS,
            Self::MAX_ITEMS,
        )
    }

    /// The page of any list: `marker` an offset (absent: 0), and the page size under its
    /// name (`maxitems`, `limit`), absent or 0 meaning `default`, above `max` meaning `max`.
    /// Each must be a whole number from 0 to 2^63-1 (the integer the OpenAPI document
    /// declares); negative, empty or anything else is 400 FSS.0400 naming the parameter.
    pub fn with_limit(
        marker: Option<&str>,
        (limit_name, limit): (&str, Option<&str>),
        default: usize,
        max: usize,
    ) -> Result<Self, ApiError> {
        let number = |name: &str, v: Option<&str>| -> Result<Option<usize>, ApiError> {
            v.map(|s| {
                s.parse::<i64>()
                    .ok()
                    .and_then(|n| u64::try_from(n).ok())
                    .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
                    .ok_or_else(|| {
                        ApiError::invalid_field(
                            name,
                            format_args!(
                                "must be a whole number from 0 to {}, got '{}'",
                                i64::MAX,
                                s.chars().take(32).collect::<String>()
                            ),
                        )
                    })
            })
            .transpose()
        };
        let marker = number("marker", marker)?.unwrap_or(0);
        let maxitems = match number(limit_name, limit)? {
            None | Some(0) => default,
            Some(n) => n.min(max),
        };
        Ok(Self { marker, maxitems })
    }

    /// The range of `total` items this page covers, and `next_marker`: the offset after
    /// its last item, so `total` on the last page (SPEC 9; Cloud Custodian pages until
    /// `next_marker >= count`, and a 0 there made it page forever).
    pub fn window(self, total: usize) -> (std::ops::Range<usize>, usize) {
        let start = self.marker.min(total);
        let end = start.saturating_add(self.maxitems).min(total);
        (start..end, end)
    }

    /// This page of `all`, with where it sits (`page_info`) and the whole list's count.
    pub fn cut<T>(self, all: Vec<T>) -> Listed<T> {
        let count = all.len();
        let (range, _) = self.window(count);
        let items: Vec<T> = all
            .into_iter()
            .skip(range.start)
            .take(range.len())
            .collect();
        Listed {
            page_info: PageInfo {
                next_marker: range.end,
                previous_marker: self.marker,
                current_count: items.len(),
            },
            items,
            count,
        }
    }
}

/// Where a page sits (the SDK's `PageInfo`, in the newer list operations' answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct PageInfo {
    /// The offset after this page's last item (the whole count on the last page).
    pub next_marker: usize,
    /// The offset this page started at (the request's `marker`).
    pub previous_marker: usize,
    /// Items on this page.
    pub current_count: usize,
}

/// A page of items with its [`PageInfo`] and the number of items in the whole list.
#[derive(Debug, Clone)]
pub struct Listed<T> {
    /// The page.
    pub items: Vec<T>,
    /// Where it sits.
    pub page_info: PageInfo,
    /// Items in the whole list.
    pub count: usize,
}
