//! The version operations: publish (CreateFunctionVersion, SPEC section 2) and list.

use super::input::{ListQuery, Page, PublishInput};
use super::{
    Cached, FunctionRef, FunctionSnapshot, Service, latest_snapshot, require_latest, version_ref,
    version_snapshot,
};
use crate::clock::default_version_name;
use crate::domain::{ProjectId, Urn, VersionName};
use crate::error::{ApiError, ErrorCode};
use crate::model::{FunctionRecord, FunctionState, NotPublished, VersionRecord};

impl Service {
    /// CreateFunctionVersion (publish), SPEC section 2. Rules 3 to 9 run as one step under
    /// the function's lock, so concurrent publishes never exceed the cap or share a name.
    ///
    /// `input` arrives already parsed but its error is applied here, after the existence
    /// check, because the service checks "function exists" (rule 3) before the body (rule 4).
    pub fn create_function_version(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        input: Result<PublishInput, ApiError>,
    ) -> Result<FunctionSnapshot, ApiError> {
        self.create_function_version_with(project_id, urn, input, |v| v.to_snapshot())
    }

    /// [`Self::create_function_version`], answered by `answer` from the new version as the
    /// store holds it, under the function's lock (the route renders its answer there:
    /// nothing is copied out of the store).
    pub fn create_function_version_with<R>(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        input: Result<PublishInput, ApiError>,
        answer: impl FnOnce(FunctionRef<'_>) -> R,
    ) -> Result<R, ApiError> {
        let project = self.project(project_id);
        let key = self.resolve_ref(&project, urn)?;
        require_latest(urn, "a version is published from the function's latest")?;
        // One instant for the whole publish: the name, last_modified and image_name agree.
        let now = self.clock.now();
        let offset = self.settings.utc_offset;
        let reject_unchanged = self.settings.reject_unchanged_publish;
        let max_versions = self.settings.limits.max_versions;
        self.store
            .update_function(key, |f| {
                let input = input?;
                check_publishable(f, input.digest.as_deref(), reject_unchanged)?;
                let name = match input.version {
                    Some(name) => name,
                    None => VersionName::parse(&default_version_name(now, offset))
                        .expect("a clock-made name follows the version rule"),
                };
                let latest = &f.latest;
                f.versions
                    .publish(name.as_str(), max_versions, || {
                        let state = FunctionState {
                            config: latest.config.clone(),
                            code: latest.code.clone(),
                            last_modified: now,
                            image_name: self.image_name(now),
                        };
                        VersionRecord {
                            published_config: state.config.clone(),
                            name: name.clone(),
                            state,
                            description: input.description,
                        }
                    })
                    .map_err(|refused| not_published(refused, &name))?;
                let version = f.versions.last().expect("just published");
                Ok(answer(version_ref(&project, f, version)))
            })
            .ok_or_else(ApiError::function_not_found)?
    }

    /// ListFunctionVersions: `latest` first, then the versions in publish order, paged. The
    /// URN's qualifier is ignored (clients list with a version's `func_urn`, as
    /// gophertelekomcloud does); `count` includes `latest`.
    pub fn list_function_versions(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        query: &ListQuery,
    ) -> Result<Cached<VersionPage>, ApiError> {
        let page = Page::parse(query)?;
        let view = format!("versions {} {}", page.marker, page.maxitems);
        self.read_view(project_id, urn, &view, |project, f| {
            let total = f.versions.len() + 1;
            let (range, next_marker) = page.window(total);
            let items = range
                .map(|i| match i {
                    0 => latest_snapshot(project, f),
                    i => version_snapshot(
                        project,
                        f,
                        f.versions.get_index(i - 1).expect("i is within the window"),
                    ),
                })
                .collect();
            Ok((items, next_marker, total))
        })
    }
}

/// A page of ListFunctionVersions: the items, the next marker, and how many there are.
pub type VersionPage = (Vec<FunctionSnapshot>, usize, usize);

/// SPEC 2 rules 5 and 6, under the function's lock: latest's code is the one the client
/// expects (`digest`), and, when `reject_unchanged`, differs from the newest version's.
fn check_publishable(
    f: &FunctionRecord,
    digest: Option<&str>,
    reject_unchanged: bool,
) -> Result<(), ApiError> {
    let latest_digest = f.latest.code.digest();
    if let Some(expected) = digest
        && !expected.eq_ignore_ascii_case(latest_digest.as_str())
    {
        return Err(ApiError::invalid_parameter(format!(
            "digest '{}' does not match the digest of latest's code '{latest_digest}'",
            expected.chars().take(160).collect::<String>()
        )));
    }
    if reject_unchanged
        && let Some(newest) = f.versions.last()
        && newest.state.code.digest() == latest_digest
        && *newest.published_config == *f.latest.config
    {
        // The exact catalogue text (SPEC 2 rule 6): clients match on it.
        return Err(ApiError::new(ErrorCode::NothingToPublish));
    }
    Ok(())
}

/// SPEC 2 rules 7 and 8 (checked under the function's lock by [`Versions::publish`]): the
/// name is taken, or the function has as many versions as the cap allows.
///
/// [`Versions::publish`]: crate::model::Versions::publish
fn not_published(refused: NotPublished, name: &VersionName) -> ApiError {
    match refused {
        NotPublished::NameTaken => {
            ApiError::detailed(ErrorCode::VersionExists, format_args!("'{name}'"))
        }
        // The exact catalogue text (SPEC 2 rule 8).
        NotPublished::Full => ApiError::new(ErrorCode::VersionLimit),
    }
}
