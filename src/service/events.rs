//! Test-event operations (issue 11). The shape and the rules that need only the events
//! live in `crate::attachments::events`.
//!
//! Test events belong to the function, not to a version: whatever qualifier the URN
//! names, the events are the same. A URN naming a missing version or alias is still
//! refused (404 FSS.1052 / FSS.1053), as for triggers (a choice: the sources are silent).

use super::Service;
use super::triggers::qualifier_of;
use crate::attachments::events::{TestEvent, check_content, check_name};
use crate::domain::{ProjectId, Urn};
use crate::error::ApiError;

impl Service {
    /// CreateEvent: name and content checked (FSS.1074, FSS.1069), then the name must be
    /// free (FSS.1073) and the function below 10 events (FSS.1068).
    pub fn create_event(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        name: String,
        content: String,
    ) -> Result<TestEvent, ApiError> {
        check_name(&name)?;
        check_content(&content)?;
        let id = self.new_id("event");
        self.with_function_mut(project_id, urn, |f, _| {
            qualifier_of(f, urn)?;
            f.attachments.events.add(id, name, content)
        })
    }

    /// ListEvents: every test event of the function, in creation order.
    pub fn list_events(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
    ) -> Result<Vec<TestEvent>, ApiError> {
        self.with_function_ref(project_id, urn, |f| {
            qualifier_of(f, urn)?;
            Ok(f.attachments.events.all().to_vec())
        })
    }

    /// ShowEvent: 404 FSS.1070 for no such event.
    pub fn show_event(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        id: &str,
    ) -> Result<TestEvent, ApiError> {
        self.with_function_ref(project_id, urn, |f| {
            qualifier_of(f, urn)?;
            f.attachments.events.get(id).cloned()
        })
    }

    /// UpdateEvent: new content (and name, when given), checked as at create.
    pub fn update_event(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        id: &str,
        name: Option<String>,
        content: String,
    ) -> Result<TestEvent, ApiError> {
        if let Some(name) = &name {
            check_name(name)?;
        }
        check_content(&content)?;
        self.with_function_mut(project_id, urn, |f, now| {
            qualifier_of(f, urn)?;
            f.attachments.events.update(id, name, content, now)
        })
    }

    /// DeleteEvent: 204, or 404 FSS.1070.
    pub fn delete_event(
        &self,
        project_id: &ProjectId,
        urn: &Urn,
        id: &str,
    ) -> Result<(), ApiError> {
        self.with_function_mut(project_id, urn, |f, _| {
            qualifier_of(f, urn)?;
            f.attachments.events.remove(id)
        })
    }
}
