//! The tag operations: CreateTags, DeleteTags, ListFunctionTags, ShowProjectTagsList and
//! ShowResInstanceInfo (filter or count functions by tags). Their paths have no `/fgs`:
//! `/v2/{project_id}/{resource_type}/...`, where `resource_type` can only be `functions`.
//!
//! The tags themselves and their rules are `attachments::tags`; here are the request
//! bodies, which function a path names, and the queries across a project.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::Service;
use crate::attachments::tags::{TagKey, TagKind, TagList, TagValue, Tags};
use crate::domain::{ProjectId, Qualifier, Urn, full_urn};
use crate::error::ApiError;
use crate::model::ProjectInfo;
use crate::store::FunctionKey;

/// The only `resource_type` FunctionGraph's tag API takes.
pub const RESOURCE_TYPE: &str = "functions";

/// One `{key, value}` (the SDK's `KvItem`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct KvItemBody {
    /// The key.
    pub key: Option<String>,
    /// The value; absent means `""` on create, and "whatever the value" on delete.
    pub value: Option<String>,
}

/// The body of CreateTags and DeleteTags (the SDK's `UpdateFunctionTagsRequestBody`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct TagsBody {
    /// `create` or `delete`; when given it must name the operation called.
    pub action: Option<String>,
    /// The tenant's tags.
    pub tags: Option<Vec<KvItemBody>>,
    /// System tags (keys start with `_sys_`).
    pub sys_tags: Option<Vec<KvItemBody>>,
}

/// A checked CreateTags or DeleteTags request.
#[derive(Debug, Clone, Default)]
pub struct TagsInput {
    /// The tenant's tags.
    pub tags: TagList,
    /// The system tags.
    pub sys_tags: TagList,
}

impl TagsBody {
    /// Applies the field rules for `operation` (`create` or `delete`): `action`, when
    /// given, names it; each key and value follows the rules; no key twice in one list.
    /// On delete a value may be left out.
    pub fn parse(self, operation: &str) -> Result<TagsInput, ApiError> {
        if let Some(action) = self.action.as_deref()
            && action != operation
        {
            return Err(ApiError::invalid_field(
                "action",
                format_args!("must be '{operation}' here (or left out), not '{action}'"),
            ));
        }
        Ok(TagsInput {
            tags: parse_list(self.tags, TagKind::User)?,
            sys_tags: parse_list(self.sys_tags, TagKind::System)?,
        })
    }
}

fn parse_list(items: Option<Vec<KvItemBody>>, kind: TagKind) -> Result<TagList, ApiError> {
    let field = kind.field();
    let mut pairs = Vec::new();
    for (i, item) in items.unwrap_or_default().into_iter().enumerate() {
        let key = item
            .key
            .ok_or_else(|| ApiError::invalid_field(&format!("{field}[{i}].key"), "is required"))?;
        let key = TagKey::parse(&key, kind)
            .map_err(|e| ApiError::invalid_field(&format!("{field}[{i}].key"), e))?;
        let value = item
            .value
            .map(|v| TagValue::parse(&v))
            .transpose()
            .map_err(|e| ApiError::invalid_field(&format!("{field}[{i}].value"), e))?;
        pairs.push((key, value));
    }
    TagList::new(pairs).map_err(|e| ApiError::invalid_field(field, e))
}

/// One `{key, values}` filter (the SDK's `TagItem`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct TagItemBody {
    /// The key a function must carry.
    pub key: Option<String>,
    /// The values allowed for it (any one matches); absent or empty: any value.
    pub values: Option<Vec<String>>,
}

/// The body of ShowResInstanceInfo (the SDK's `ListEnterpriseResourceRequestBody`, plus
/// the `tags` filter Terraform's `huaweicloud_fgs_resources_filter` sends).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ResourceFilterBody {
    /// Only functions without any tag (`tags` and `sys_tags` are then ignored).
    pub without_any_tag: Option<bool>,
    /// The page size, 1 to 1000 (default 1000); a string (the SDK) or a number
    /// (Terraform). Ignored by `count`.
    #[schema(value_type = Option<String>)]
    pub limit: Option<Value>,
    /// Where the page starts (default 0); a string or a number. Ignored by `count`.
    #[schema(value_type = Option<String>)]
    pub offset: Option<Value>,
    /// `filter` or `count`; when given it must equal the path's `{action}`.
    pub action: Option<String>,
    /// `{key: "resource_name", value}`: functions whose name contains `value`.
    pub matches: Option<Vec<KvItemBody>>,
    /// Functions carrying every listed key, each with one of its listed values.
    pub tags: Option<Vec<TagItemBody>>,
    /// The same, on system tags.
    pub sys_tags: Option<Vec<TagItemBody>>,
}

/// `filter` (a page of functions) or `count` (how many).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterAction {
    /// A page of the matching functions, with their tags, and the count.
    Filter,
    /// Only how many functions match.
    Count,
}

/// A checked ShowResInstanceInfo request.
#[derive(Debug, Clone)]
pub struct ResourceFilter {
    action: FilterAction,
    without_any_tag: bool,
    limit: usize,
    offset: usize,
    name_contains: Option<String>,
    tags: Vec<(String, BTreeSet<String>)>,
    sys_tags: Vec<(String, BTreeSet<String>)>,
}

/// The largest (and default) page of ShowResInstanceInfo.
pub const MAX_FILTER_LIMIT: usize = 1000;

impl ResourceFilterBody {
    /// Applies the field rules for the path's `{action}`.
    pub fn parse(self, action: &str) -> Result<ResourceFilter, ApiError> {
        let parsed = match action {
            "filter" => FilterAction::Filter,
            "count" => FilterAction::Count,
            other => {
                return Err(ApiError::invalid_field(
                    "action",
                    format_args!("must be 'filter' or 'count', not '{other}'"),
                ));
            }
        };
        if let Some(a) = self.action.as_deref()
            && a != action
        {
            return Err(ApiError::invalid_field(
                "action",
                format_args!("in the body ('{a}') differs from the path ('{action}')"),
            ));
        }
        let limit = whole_number("limit", self.limit.as_ref())?.unwrap_or(MAX_FILTER_LIMIT);
        if !(1..=MAX_FILTER_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_field(
                "limit",
                format_args!("must be 1 to {MAX_FILTER_LIMIT}, not {limit}"),
            ));
        }
        let offset = whole_number("offset", self.offset.as_ref())?.unwrap_or(0);
        let mut name_contains = None;
        for (i, m) in self.matches.unwrap_or_default().into_iter().enumerate() {
            match m.key.as_deref() {
                Some("resource_name") => name_contains = Some(m.value.unwrap_or_default()),
                other => {
                    return Err(ApiError::invalid_field(
                        &format!("matches[{i}].key"),
                        format_args!("must be 'resource_name', not {other:?}"),
                    ));
                }
            }
        }
        Ok(ResourceFilter {
            action: parsed,
            without_any_tag: self.without_any_tag.unwrap_or(false),
            limit,
            offset,
            name_contains,
            tags: tag_filters(self.tags, "tags")?,
            sys_tags: tag_filters(self.sys_tags, "sys_tags")?,
        })
    }
}

/// A whole number sent as a JSON number or a string of digits.
fn whole_number(field: &str, v: Option<&Value>) -> Result<Option<usize>, ApiError> {
    let bad = || ApiError::invalid_field(field, "must be a whole number (or a string of one)");
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(bad),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().map(Some).map_err(|_| bad())
        }
        Some(_) => Err(bad()),
    }
}

fn tag_filters(
    items: Option<Vec<TagItemBody>>,
    field: &str,
) -> Result<Vec<(String, BTreeSet<String>)>, ApiError> {
    let mut out: Vec<(String, BTreeSet<String>)> = Vec::new();
    for (i, item) in items.unwrap_or_default().into_iter().enumerate() {
        let key = item
            .key
            .filter(|k| !k.is_empty())
            .ok_or_else(|| ApiError::invalid_field(&format!("{field}[{i}].key"), "is required"))?;
        if out.iter().any(|(k, _)| *k == key) {
            return Err(ApiError::invalid_field(
                field,
                format_args!("key '{key}' is given more than once"),
            ));
        }
        out.push((key, item.values.unwrap_or_default().into_iter().collect()));
    }
    Ok(out)
}

/// Whether `tags` satisfy every `(key, values)` filter: the key is carried, and its value
/// is one of `values` (any value when `values` is empty).
fn satisfies(tags: &Tags, kind: TagKind, filters: &[(String, BTreeSet<String>)]) -> bool {
    filters.iter().all(|(key, values)| {
        tags.of(kind)
            .find(|(k, _)| k == key)
            .is_some_and(|(_, v)| values.is_empty() || values.contains(v))
    })
}

/// Every tag key used in a project, with the values it has there, per kind, in key and
/// value order (ShowProjectTagsList).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectTags {
    /// The tenant's tags.
    pub tags: BTreeMap<String, BTreeSet<String>>,
    /// The system tags.
    pub sys_tags: BTreeMap<String, BTreeSet<String>>,
}

/// One function that matched a ShowResInstanceInfo filter.
#[derive(Debug, Clone)]
pub struct MatchedFunction {
    /// The function's latest URN (`...:latest`), the resource id Terraform keeps.
    pub urn: String,
    /// Its name.
    pub name: String,
    /// Its tags.
    pub tags: Tags,
}

/// What ShowResInstanceInfo answers: the page (`filter` only) and the count.
#[derive(Debug, Clone)]
pub struct FilterResult {
    /// The page, for `filter`; `None` for `count`.
    pub resources: Option<Vec<MatchedFunction>>,
    /// How many functions match in all.
    pub total_count: usize,
}

/// Whether `s` is shaped like a `func_id` (a UUID: 8-4-4-4-12 hex digits).
fn is_uuid_shaped(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl Service {
    /// The function a tag path names: `resource_type` must be `functions` (else 400
    /// FSS.0400), and `resource_id` is the function's URN in any accepted form (the API
    /// reference says "function URN"; Terraform sends `...:latest` or the unqualified URN;
    /// a qualifier is ignored: tags belong to the function), or its `func_id`.
    fn tag_resource(
        &self,
        project_id: &ProjectId,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<(Arc<ProjectInfo>, FunctionKey), ApiError> {
        check_resource_type(resource_type)?;
        let project = self.project(project_id);
        if is_uuid_shaped(resource_id) {
            let (found, _) = self
                .store
                .list_functions(&project.id, None, 0, usize::MAX, |f| {
                    (f.func_id == resource_id).then(|| FunctionKey {
                        project: f.project.clone(),
                        package: f.package.clone(),
                        name: f.name.clone(),
                    })
                });
            if let Some(key) = found.into_iter().flatten().next() {
                return Ok((project, key));
            }
            if Urn::parse(resource_id).is_err() {
                // A well-formed id that names no function.
                return Err(ApiError::function_not_found());
            }
        }
        let urn = Urn::parse(resource_id)
            .map_err(|e| ApiError::invalid_field("resource_id", format_args!("{e}")))?;
        let key = self.resolve(&project, &urn)?;
        Ok((project, key))
    }

    /// CreateTags: adds the tags to the function (an existing key takes the new value).
    /// 404 FSS.1051 for an unknown function (checked first, as for every function
    /// operation); 400 FSS.0400 for a bad tag, a key twice, or more than 20 tags on the
    /// function afterwards (nothing changes then).
    pub fn create_tags(
        &self,
        project_id: &ProjectId,
        resource_type: &str,
        resource_id: &str,
        body: TagsBody,
    ) -> Result<(), ApiError> {
        let (_, key) = self.tag_resource(project_id, resource_type, resource_id)?;
        self.store
            .update_function(key.borrowed(), |f| {
                let input = body.parse("create")?;
                // Check both lists before changing either.
                let mut tags = f.attachments.tags.clone();
                for (kind, list) in [
                    (TagKind::User, &input.tags),
                    (TagKind::System, &input.sys_tags),
                ] {
                    tags.create(kind, list)
                        .map_err(|e| ApiError::invalid_field(kind.field(), e))?;
                }
                f.attachments.tags = tags;
                Ok(())
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// DeleteTags: removes the tags named (by key, or by key and value). A key the function
    /// does not carry is no error. 404 FSS.1051 for an unknown function.
    pub fn delete_tags(
        &self,
        project_id: &ProjectId,
        resource_type: &str,
        resource_id: &str,
        body: TagsBody,
    ) -> Result<(), ApiError> {
        let (_, key) = self.tag_resource(project_id, resource_type, resource_id)?;
        self.store
            .update_function(key.borrowed(), |f| {
                let input = body.parse("delete")?;
                f.attachments.tags.delete(TagKind::User, &input.tags);
                f.attachments.tags.delete(TagKind::System, &input.sys_tags);
                Ok(())
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// ListFunctionTags: the function's tags. 404 FSS.1051 for an unknown function.
    pub fn function_tags(
        &self,
        project_id: &ProjectId,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<Tags, ApiError> {
        let (_, key) = self.tag_resource(project_id, resource_type, resource_id)?;
        self.store
            .with_function(&key, |f| f.attachments.tags.clone())
            .ok_or_else(ApiError::function_not_found)
    }

    /// ShowProjectTagsList: every key the project's functions carry, with its values.
    pub fn project_tags(
        &self,
        project_id: &ProjectId,
        resource_type: &str,
    ) -> Result<ProjectTags, ApiError> {
        check_resource_type(resource_type)?;
        let project = self.project(project_id);
        let (all, _) = self
            .store
            .list_functions(&project.id, None, 0, usize::MAX, |f| {
                f.attachments.tags.clone()
            });
        let mut out = ProjectTags::default();
        for tags in &all {
            for (kind, into) in [
                (TagKind::User, &mut out.tags),
                (TagKind::System, &mut out.sys_tags),
            ] {
                for (k, v) in tags.of(kind) {
                    into.entry(k.to_owned()).or_default().insert(v.to_owned());
                }
            }
        }
        Ok(out)
    }

    /// ShowResInstanceInfo: the project's functions (in creation order) that match the
    /// filter, a page of them for `filter`, and how many in all.
    pub fn filter_resources(
        &self,
        project_id: &ProjectId,
        resource_type: &str,
        action: &str,
        body: ResourceFilterBody,
    ) -> Result<FilterResult, ApiError> {
        check_resource_type(resource_type)?;
        let filter = body.parse(action)?;
        let project = self.project(project_id);
        let (all, _) = self
            .store
            .list_functions(&project.id, None, 0, usize::MAX, |f| MatchedFunction {
                urn: full_urn(
                    &project.region,
                    &project.id,
                    &f.package,
                    &f.name,
                    &Qualifier::Latest,
                ),
                name: f.name.as_str().to_owned(),
                tags: f.attachments.tags.clone(),
            });
        let matching: Vec<MatchedFunction> = all
            .into_iter()
            .filter(|m| {
                filter
                    .name_contains
                    .as_deref()
                    .is_none_or(|n| m.name.contains(n))
            })
            .filter(|m| {
                if filter.without_any_tag {
                    m.tags.is_empty()
                } else {
                    satisfies(&m.tags, TagKind::User, &filter.tags)
                        && satisfies(&m.tags, TagKind::System, &filter.sys_tags)
                }
            })
            .collect();
        let total_count = matching.len();
        let resources = (filter.action == FilterAction::Filter).then(|| {
            matching
                .into_iter()
                .skip(filter.offset)
                .take(filter.limit)
                .collect()
        });
        Ok(FilterResult {
            resources,
            total_count,
        })
    }
}

fn check_resource_type(resource_type: &str) -> Result<(), ApiError> {
    if resource_type == RESOURCE_TYPE {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            "resource_type",
            format_args!("must be '{RESOURCE_TYPE}', not '{resource_type}'"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> TagsBody {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn tag_bodies_name_the_field_at_fault() {
        let msg = |v: Value, op: &str| body(v).parse(op).unwrap_err().to_string();
        assert!(msg(json!({"tags": [{"value": "v"}]}), "create").contains("tags[0].key"));
        assert!(msg(json!({"tags": [{"key": "a b"}]}), "create").contains("tags[0].key"));
        assert!(
            msg(
                json!({"tags": [{"key": "k"}, {"key": "j", "value": "a b"}]}),
                "create"
            )
            .contains("tags[1].value")
        );
        assert!(
            msg(json!({"tags": [{"key": "k"}, {"key": "k"}]}), "delete").contains("more than once")
        );
        assert!(msg(json!({"sys_tags": [{"key": "k"}]}), "create").contains("sys_tags[0].key"));
        assert!(msg(json!({"action": "delete"}), "create").contains("action"));
        assert!(body(json!({"action": "create"})).parse("create").is_ok());
        assert!(body(json!({})).parse("delete").is_ok());
    }

    #[test]
    fn filter_bodies_take_numbers_or_strings() {
        let f = |v: Value, action: &str| {
            serde_json::from_value::<ResourceFilterBody>(v)
                .unwrap()
                .parse(action)
        };
        let ok = f(json!({"limit": "10", "offset": 5}), "filter").unwrap();
        assert_eq!((ok.limit, ok.offset), (10, 5));
        let ok = f(json!({}), "count").unwrap();
        assert_eq!((ok.limit, ok.offset), (MAX_FILTER_LIMIT, 0));
        for (bad, action) in [
            (json!({}), "list"),
            (json!({"action": "count"}), "filter"),
            (json!({"limit": 0}), "filter"),
            (json!({"limit": "1001"}), "filter"),
            (json!({"limit": "ten"}), "filter"),
            (json!({"offset": -1}), "filter"),
            (json!({"offset": 1.5}), "filter"),
            (
                json!({"matches": [{"key": "name", "value": "x"}]}),
                "filter",
            ),
            (json!({"tags": [{"values": ["x"]}]}), "filter"),
            (json!({"tags": [{"key": "k"}, {"key": "k"}]}), "filter"),
        ] {
            assert!(f(bad.clone(), action).is_err(), "{action} {bad}");
        }
    }

    #[test]
    fn func_ids_are_recognised_by_shape() {
        assert!(is_uuid_shaped("0123abcd-0123-abcd-0123-0123456789ab"));
        assert!(!is_uuid_shaped("hello"));
        assert!(!is_uuid_shaped("0123abcd-0123-abcd-0123-0123456789a"));
        assert!(!is_uuid_shaped("0123abcg-0123-abcd-0123-0123456789ab"));
    }
}
