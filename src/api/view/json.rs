//! The function object's JSON, written by hand: [`FunctionView::to_json`] and its writers.
//! Every write answers a function object, so this is on every write's path; serde's derive
//! on [`FunctionView`] stays the definition, and `tests::the_writer_matches_serde` (in the
//! parent module) checks that both write the same bytes.

use serde::Serialize;

use super::{FunctionView, qualifier_text};
use crate::model::{FunctionConfig, StrategyConfig};

/// A member's prefix, `,"key":`, as one literal: every member but an object's first is
/// preceded by a comma, so the writers copy one slice per key and test nothing.
macro_rules! k {
    ($key:literal) => {
        concat!(",\"", $key, "\":")
    };
}

impl FunctionView<'_> {
    /// The same bytes as serialising the view with serde (`tests::the_writer_matches_serde`
    /// checks it), faster (`cargo bench --bench view`): every write answers a function
    /// object, and with serde the object's ~80 keys were escaped on every response and the
    /// configuration went through `flatten`'s map machinery. Keys are written as the literals they are (with
    /// their comma: `k!`); values still go through serde_json (strings need escaping),
    /// except strings with nothing to escape (`plain`). The configuration's members are
    /// written the same way, where `flatten` puts them (`config_members`).
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        // About 2 KB: in the top half, where shrinking to its length is free (`render_view`).
        let mut out = Vec::with_capacity(3072);
        let o = &mut out;
        // The first member has no comma before it.
        put_parts(o, "{\"func_urn\":", &self.func_urn.parts())?;
        put_str(o, k!("func_name"), self.func_name)?;
        put_str(o, k!("domain_id"), self.domain_id)?;
        put_str(o, k!("user_domain"), self.user_domain)?;
        put_str(o, k!("namespace"), self.namespace)?;
        put_str(o, k!("project_name"), self.project_name)?;
        put_str(o, k!("package"), self.package)?;
        self.shared.rendered(|c, o| config_members(o, c), o)?; // kept: `SharedConfig`
        put(o, k!("cpu"), &self.cpu)?;
        put_str(o, k!("code_type"), self.code_type)?;
        put_str(o, k!("code_url"), self.code_url)?;
        put_str(o, k!("code_filename"), self.code_filename)?;
        put(o, k!("code_size"), &self.code_size)?;
        put_str(o, k!("digest"), self.digest)?;
        put_str(o, k!("version"), &qualifier_text(self.version))?;
        put_parts(o, k!("image_name"), &self.image_name.parts())?;
        put_str(o, k!("dependency_pkg"), self.dependency_pkg)?;
        put_str(o, k!("version_description"), self.version_description)?;
        o.extend_from_slice(k!("last_modified").as_bytes());
        o.push(b'"');
        self.last_modified.push_to(o);
        o.push(b'"');
        if self.func_code.file.is_empty() {
            o.extend_from_slice(k!("func_code").as_bytes());
            o.extend_from_slice(br#"{"file":"","link":""}"#);
        } else {
            put(o, k!("func_code"), &self.func_code)?;
        }
        // Members whose values never change, as one literal each run (the struct's fields
        // hold the same values, for serde: `tests::the_writer_matches_serde`).
        o.extend_from_slice(
            concat!(
                k!("depend_list"),
                "null",
                k!("dependencies"),
                "null",
                k!("function_async_config"),
                "null"
            )
            .as_bytes(),
        );
        put_str(o, k!("func_id"), self.func_id)?;
        put_str(o, k!("resource_id"), self.resource_id)?;
        o.extend_from_slice(
            concat!(
                k!("reserved_instance_count"),
                "0",
                k!("depend_version_list"),
                "null",
                k!("enable_cloud_debug"),
                "\"\"",
                k!("is_bridge_function"),
                "false",
                k!("apig_route_enable"),
                "false",
                k!("allow_ephemeral_storage"),
                "false",
                k!("is_return_stream"),
                "false",
                k!("reserved_instance_idle_mode"),
                "false"
            )
            .as_bytes(),
        );
        put_str(o, k!("func_vpc_id"), self.func_vpc_id)?;
        o.extend_from_slice(
            concat!(k!("fail_count"), "0", k!("bind_bridge_funcUrns"), "null").as_bytes(),
        );
        put(o, k!("concurrency"), &self.concurrency)?;
        put(o, k!("concurrent_num"), &self.concurrent_num)?;
        out.push(b'}');
        Ok(out)
    }
}

/// Writes `"key":value`, the value as serde_json writes it. `key` is the member's whole
/// prefix, `,"key":`, as [`k!`] writes it.
fn put<T: Serialize + ?Sized>(out: &mut Vec<u8>, key: &str, value: &T) -> serde_json::Result<()> {
    out.extend_from_slice(key.as_bytes());
    serde_json::to_writer(&mut *out, value)
}

/// Writes `"key":true` or `"key":false` (`key` as in [`put`]).
fn put_bool(out: &mut Vec<u8>, key: &str, value: bool) {
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

/// Writes `"key":"value"` (`key` as in [`put`]). A string with nothing to escape (ids,
/// digests, URNs, times, most names: see [`plain`]) is copied as it is; serde_json looks
/// every byte up in its escape table, and that scan was half of rendering a function
/// object. Others go through serde_json. Inlined into each caller, where `key` is a
/// literal of known length: its copy becomes a few moves instead of a call to `memcpy`
/// (`cargo bench --bench view`, `to_json`: 331-359 ns -> 288-294 ns).
#[inline(always)]
fn put_str(out: &mut Vec<u8>, key: &str, value: &str) -> serde_json::Result<()> {
    out.extend_from_slice(key.as_bytes());
    if plain(value.as_bytes()) {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(&mut *out, value)
    }
}

/// Writes `"key":"value"` for a value in pieces (a URN: [`FullUrn::parts`]): copied in,
/// then looked at once as a whole, and written again through [`put_str`] in the rare case
/// that something in it needs escaping.
fn put_parts(out: &mut Vec<u8>, key: &str, parts: &[&str]) -> serde_json::Result<()> {
    out.extend_from_slice(key.as_bytes());
    out.push(b'"');
    let start = out.len();
    for part in parts {
        out.extend_from_slice(part.as_bytes());
    }
    if !plain(&out[start..]) {
        out.truncate(start - 1 - key.len());
        return put_str(out, key, &parts.concat());
    }
    out.push(b'"');
    Ok(())
}

/// Whether a JSON string needs no escaping: no quote, no backslash, no control character.
/// Looked at 16 bytes at a time without stopping early inside a block, which the compiler
/// turns into a few vector compares per block; the byte-at-a-time loop it replaced (with
/// `Iterator::all`, which stops at the first hit and so is not vectorised) was two thirds
/// of rendering a function object (`cargo bench --bench view`).
pub(super) fn plain(value: &[u8]) -> bool {
    fn ok(b: u8) -> bool {
        b >= 0x20 && b != b'"' && b != b'\\'
    }
    let mut blocks = value.chunks_exact(16);
    for block in &mut blocks {
        if !block.iter().fold(true, |all, &b| all & ok(b)) {
            return false;
        }
    }
    blocks.remainder().iter().all(|&b| ok(b))
}

/// Writes the configuration's members where serde's `flatten` puts them: the same keys,
/// order, values and skipped members as `FunctionConfig`'s `Serialize` derive, which stays
/// the definition (`tests::the_writer_matches_serde` compares the two, and fails on a field
/// added there and not here). Written by hand because publish, update code and update
/// config answer a whole function object, and serde escaped the ~40 keys on every one;
/// values that are not plain strings still go through serde_json.
///
/// Most functions set few of the optional settings, so the two long runs of them
/// (`hooks`, `extras`) are each one literal when none is set (`HOOKS_UNSET`,
/// `EXTRAS_UNSET`), instead of some twenty keys, tests and copies each: update config
/// renders every new configuration once, on the write's path.
fn config_members(o: &mut Vec<u8>, c: &FunctionConfig) -> serde_json::Result<()> {
    put_str(o, k!("runtime"), c.runtime.as_str())?;
    put_str(o, k!("handler"), c.handler.as_str())?;
    put(o, k!("memory_size"), &c.memory_size)?;
    put(o, k!("timeout"), &c.timeout)?;
    put_str(o, k!("description"), c.description.as_str())?;
    put_str(o, k!("user_data"), c.user_data.as_str())?;
    if hooks_unset(c) {
        o.extend_from_slice(HOOKS_UNSET.as_bytes());
    } else {
        hooks(o, c)?;
    }
    put_str(o, k!("enterprise_project_id"), &c.enterprise_project_id)?;
    put_str(o, k!("type"), c.func_type.as_str())?;
    put_bool(o, k!("enable_dynamic_memory"), c.enable_dynamic_memory);
    if c.strategy_config == StrategyConfig::default() {
        o.extend_from_slice(STRATEGY_UNSET.as_bytes());
    } else {
        put(o, k!("strategy_config"), &c.strategy_config)?;
    }
    if extras_unset(c) {
        o.extend_from_slice(EXTRAS_UNSET.as_bytes());
    } else {
        extras(o, c)?;
    }
    Ok(())
}

/// What [`hooks`] writes when [`hooks_unset`] (`tests::the_shortcuts_write_what_the_members_write`).
const HOOKS_UNSET: &str = concat!(
    k!("encrypted_user_data"),
    "\"\"",
    k!("xrole"),
    "\"\"",
    k!("app_xrole"),
    "\"\"",
    k!("initializer_handler"),
    "\"\"",
    k!("initializer_timeout"),
    "0",
    k!("pre_stop_handler"),
    "\"\""
);

/// Whether every member [`hooks`] writes has its unset value.
fn hooks_unset(c: &FunctionConfig) -> bool {
    c.encrypted_user_data.is_empty()
        & c.xrole.is_empty()
        & c.app_xrole.is_empty()
        & c.initializer_handler.is_empty()
        & c.initializer_timeout.is_unset()
        & c.pre_stop_handler.is_empty()
        & c.pre_stop_timeout.is_unset()
}

/// The members from `encrypted_user_data` to `pre_stop_timeout`, one by one.
fn hooks(o: &mut Vec<u8>, c: &FunctionConfig) -> serde_json::Result<()> {
    put_str(o, k!("encrypted_user_data"), &c.encrypted_user_data)?;
    put_str(o, k!("xrole"), &c.xrole)?;
    put_str(o, k!("app_xrole"), &c.app_xrole)?;
    put_str(o, k!("initializer_handler"), &c.initializer_handler)?;
    put(o, k!("initializer_timeout"), &c.initializer_timeout)?;
    put_str(o, k!("pre_stop_handler"), &c.pre_stop_handler)?;
    if !c.pre_stop_timeout.is_unset() {
        put(o, k!("pre_stop_timeout"), &c.pre_stop_timeout)?;
    }
    Ok(())
}

/// `strategy_config` as its default writes it (`tests::the_shortcuts_write_what_the_members_write`).
const STRATEGY_UNSET: &str = concat!(
    k!("strategy_config"),
    "{\"concurrency\":-1,\"concurrent_num\":0}"
);

/// What [`extras`] writes when [`extras_unset`] (`tests::the_shortcuts_write_what_the_members_write`).
const EXTRAS_UNSET: &str = concat!(
    k!("func_vpc"),
    "null",
    k!("mount_config"),
    "null",
    k!("custom_image"),
    "null",
    k!("extend_config"),
    "\"\"",
    k!("long_time"),
    "false",
    k!("log_group_id"),
    "\"\"",
    k!("log_stream_id"),
    "\"\"",
    k!("enable_lts_log"),
    "false",
    k!("log_config"),
    "null",
    k!("domain_names"),
    "\"\"",
    k!("peering_cidr"),
    "\"\"",
    k!("gpu_memory"),
    "0",
    k!("gpu_type"),
    "\"\"",
    k!("is_stateful_function"),
    "false",
    k!("heartbeat_handler"),
    "\"\"",
    k!("enable_class_isolation"),
    "false",
    k!("ephemeral_storage"),
    "0",
    k!("network_controller"),
    "null",
    k!("enable_auth_in_header"),
    "false",
    k!("lts_custom_tag"),
    "null",
    k!("user_data_encrypt_kms_key_id"),
    "\"\"",
    k!("code_encrypt_kms_key_id"),
    "\"\""
);

/// Whether every member [`extras`] writes has its unset value. `&` rather than `&&`: the
/// members sit side by side, so testing them all costs less than a branch each.
fn extras_unset(c: &FunctionConfig) -> bool {
    c.func_vpc.get().is_none()
        & c.mount_config.get().is_none()
        & c.custom_image.get().is_none()
        & c.extend_config.is_empty()
        & !c.long_time
        & c.log_group_id.is_empty()
        & c.log_stream_id.is_empty()
        & !c.enable_lts_log
        & c.log_config.get().is_none()
        & c.domain_names.is_empty()
        & c.peering_cidr.is_empty()
        & (c.gpu_memory == 0)
        & c.gpu_type.is_empty()
        & !c.is_stateful_function
        & c.heartbeat_handler.is_empty()
        & !c.enable_class_isolation
        & (c.ephemeral_storage == 0)
        & c.network_controller.get().is_none()
        & !c.enable_auth_in_header
        & c.lts_custom_tag.get().is_none()
        & c.user_data_encrypt_kms_key_id.is_empty()
        & c.code_encrypt_kms_key_id.is_empty()
        & c.restore_hook_handler.is_empty()
        & (c.restore_hook_timeout == 0)
}

/// The members from `func_vpc` to the end, one by one.
fn extras(o: &mut Vec<u8>, c: &FunctionConfig) -> serde_json::Result<()> {
    put(o, k!("func_vpc"), &c.func_vpc)?;
    put(o, k!("mount_config"), &c.mount_config)?;
    put(o, k!("custom_image"), &c.custom_image)?;
    put_str(o, k!("extend_config"), &c.extend_config)?;
    put_bool(o, k!("long_time"), c.long_time);
    put_str(o, k!("log_group_id"), &c.log_group_id)?;
    put_str(o, k!("log_stream_id"), &c.log_stream_id)?;
    put_bool(o, k!("enable_lts_log"), c.enable_lts_log);
    put(o, k!("log_config"), &c.log_config)?;
    put_str(o, k!("domain_names"), &c.domain_names)?;
    put_str(o, k!("peering_cidr"), &c.peering_cidr)?;
    put(o, k!("gpu_memory"), &c.gpu_memory)?;
    put_str(o, k!("gpu_type"), &c.gpu_type)?;
    put_bool(o, k!("is_stateful_function"), c.is_stateful_function);
    put_str(o, k!("heartbeat_handler"), &c.heartbeat_handler)?;
    put_bool(o, k!("enable_class_isolation"), c.enable_class_isolation);
    put(o, k!("ephemeral_storage"), &c.ephemeral_storage)?;
    put(o, k!("network_controller"), &c.network_controller)?;
    put_bool(o, k!("enable_auth_in_header"), c.enable_auth_in_header);
    put(o, k!("lts_custom_tag"), &c.lts_custom_tag)?;
    put_str(
        o,
        k!("user_data_encrypt_kms_key_id"),
        &c.user_data_encrypt_kms_key_id,
    )?;
    put_str(o, k!("code_encrypt_kms_key_id"), &c.code_encrypt_kms_key_id)?;
    if !c.restore_hook_handler.is_empty() {
        put_str(o, k!("restore_hook_handler"), &c.restore_hook_handler)?;
    }
    if c.restore_hook_timeout != 0 {
        put(o, k!("restore_hook_timeout"), &c.restore_hook_timeout)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::config::tests::{body, candidates, minimal};

    /// The configuration's members as `config_members` writes them, as one object.
    fn ours(c: &FunctionConfig) -> String {
        let mut out = Vec::new();
        config_members(&mut out, c).unwrap();
        out[0] = b'{'; // the first member's comma
        out.push(b'}');
        String::from_utf8(out).unwrap()
    }

    /// Every setting given alone (each good value of `candidates`), none, and all of
    /// them: the writer writes what serde writes, so each shortcut's test looks at every
    /// member it stands for (one left out would write the literal for a set member).
    #[test]
    fn the_members_match_serde_one_setting_at_a_time() {
        let mut configs = vec![FunctionConfig::parse(&minimal(), None).unwrap()];
        let mut all = minimal();
        for (key, value) in candidates() {
            let mut b = minimal();
            b.insert(key.to_owned(), value.clone());
            if let Ok(c) = FunctionConfig::parse(&b, None) {
                all.insert(key.to_owned(), value);
                configs.push(c);
            }
        }
        assert!(
            configs.len() > 40,
            "only {} candidates parsed",
            configs.len()
        );
        if let Ok(c) = FunctionConfig::parse(&all, None) {
            configs.push(c);
        }
        let mut shortcuts = [0; 3];
        for c in &configs {
            shortcuts[0] += usize::from(hooks_unset(c));
            shortcuts[1] += usize::from(extras_unset(c));
            shortcuts[2] += usize::from(c.strategy_config == StrategyConfig::default());
            assert_eq!(ours(c), serde_json::to_string(c).unwrap(), "{c:?}");
        }
        // Each shortcut taken by some configurations and not by others.
        for taken in shortcuts {
            assert!(taken > 0 && taken < configs.len(), "{shortcuts:?}");
        }
    }

    /// The literals are what the members write one by one for a configuration that sets
    /// none of them.
    #[test]
    fn the_shortcuts_write_what_the_members_write() {
        let c = FunctionConfig::parse(&minimal(), None).unwrap();
        assert!(hooks_unset(&c) && extras_unset(&c));
        let mut out = Vec::new();
        hooks(&mut out, &c).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), HOOKS_UNSET);
        let mut out = Vec::new();
        extras(&mut out, &c).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), EXTRAS_UNSET);
        let mut out = Vec::new();
        put(&mut out, k!("strategy_config"), &c.strategy_config).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), STRATEGY_UNSET);
        // And a setting given as its unset value keeps the shortcut.
        let c = FunctionConfig::parse(
            &body(json!({"runtime": "Python3.9", "handler": "index.handler",
                "memory_size": 128, "timeout": 30, "xrole": "", "gpu_memory": 0})),
            None,
        )
        .unwrap();
        assert!(hooks_unset(&c) && extras_unset(&c));
    }
}
