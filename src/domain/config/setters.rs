//! A configuration's settings read or exchanged one at a time, by wire name: the setter
//! every update path uses ([`FunctionConfig::set_from`]), and what update config's in-place
//! patch needs to undo one (`swap_setting`, `holder`). All three are written from one list
//! of the settings, `every_setting!`.

use serde::Deserialize;

use super::{FuncType, FunctionConfig, JsonObject, Seconds, UserData};
use crate::domain::{Description, Handler};

/// Calls `$apply!` with every setting [`FunctionConfig::set_from`] reads, as `"wire name" =>
/// field` (all but `strategy_config`, which is merged). The one list of them:
/// `tests::every_setting_can_be_patched` fails when a field is added to the struct and not
/// here.
macro_rules! every_setting {
    ($apply:ident) => {
        $apply! {
            "runtime" => runtime,
            "handler" => handler,
            "memory_size" => memory_size,
            "timeout" => timeout,
            "description" => description,
            "user_data" => user_data,
            "encrypted_user_data" => encrypted_user_data,
            "xrole" => xrole,
            "app_xrole" => app_xrole,
            "initializer_handler" => initializer_handler,
            "initializer_timeout" => initializer_timeout,
            "pre_stop_handler" => pre_stop_handler,
            "pre_stop_timeout" => pre_stop_timeout,
            "enterprise_project_id" => enterprise_project_id,
            "type" => func_type,
            "enable_dynamic_memory" => enable_dynamic_memory,
            "func_vpc" => func_vpc,
            "mount_config" => mount_config,
            "custom_image" => custom_image,
            "extend_config" => extend_config,
            "long_time" => long_time,
            "log_group_id" => log_group_id,
            "log_stream_id" => log_stream_id,
            "enable_lts_log" => enable_lts_log,
            "log_config" => log_config,
            "domain_names" => domain_names,
            "peering_cidr" => peering_cidr,
            "gpu_memory" => gpu_memory,
            "gpu_type" => gpu_type,
            "is_stateful_function" => is_stateful_function,
            "heartbeat_handler" => heartbeat_handler,
            "enable_class_isolation" => enable_class_isolation,
            "ephemeral_storage" => ephemeral_storage,
            "network_controller" => network_controller,
            "enable_auth_in_header" => enable_auth_in_header,
            "lts_custom_tag" => lts_custom_tag,
            "user_data_encrypt_kms_key_id" => user_data_encrypt_kms_key_id,
            "code_encrypt_kms_key_id" => code_encrypt_kms_key_id,
            "restore_hook_handler" => restore_hook_handler,
            "restore_hook_timeout" => restore_hook_timeout,
        }
    };
}

impl FunctionConfig {
    /// `set` (the map path's setter) from any deserializer (a request body's own, for update config's
    /// direct path: `service::input::patch_config_in_place`), for every setting but
    /// `strategy_config`, which is merged key by key and so needs the value whole: it is
    /// refused here (an error), never replaced. The value of a key that is not a setting is
    /// read and ignored (`Ok(false)`). `null` is the caller's to skip: here it is a value.
    pub fn set_from<'de, D: serde::Deserializer<'de>>(
        &mut self,
        key: &str,
        value: D,
    ) -> Result<bool, D::Error> {
        if key == "strategy_config" {
            return Err(serde::de::Error::custom(
                "strategy_config is merged with the current one, not read alone",
            ));
        }
        macro_rules! set {
            ($($wire:literal => $field:ident),* $(,)?) => {
                match key {
                    $($wire => self.$field = Deserialize::deserialize(value)?,)*
                    _ => {
                        serde::de::IgnoredAny::deserialize(value)?;
                        return Ok(false);
                    }
                }
            };
        }
        every_setting!(set);
        Ok(true)
    }

    /// Exchanges one setting's value (by wire name) with `other`'s; nothing for a key that
    /// is not a setting [`Self::set_from`] reads. An in-place update swaps each setting it
    /// is about to read into a [`Self::holder`], so that swapping them all back undoes it.
    pub fn swap_setting(&mut self, other: &mut Self, key: &str) {
        macro_rules! swap {
            ($($wire:literal => $field:ident),* $(,)?) => {
                match key {
                    $($wire => std::mem::swap(&mut self.$field, &mut other.$field),)*
                    _ => {}
                }
            };
        }
        every_setting!(swap);
    }

    /// A configuration to hold values swapped out of this one ([`Self::swap_setting`]):
    /// its texts and objects empty, so that making one allocates nothing, the rest copied.
    /// It is not a valid configuration (its handler is empty) and must never be kept.
    pub fn holder(&self) -> Self {
        Self {
            runtime: self.runtime,
            handler: Handler::placeholder(),
            memory_size: self.memory_size,
            timeout: self.timeout,
            description: Description::default(),
            user_data: UserData::default(),
            encrypted_user_data: String::new(),
            xrole: String::new(),
            app_xrole: String::new(),
            initializer_handler: String::new(),
            initializer_timeout: Seconds::default(),
            pre_stop_handler: String::new(),
            pre_stop_timeout: Seconds::default(),
            enterprise_project_id: String::new(),
            func_type: FuncType::default(),
            enable_dynamic_memory: false,
            strategy_config: self.strategy_config,
            func_vpc: JsonObject::default(),
            mount_config: JsonObject::default(),
            custom_image: JsonObject::default(),
            extend_config: String::new(),
            long_time: false,
            log_group_id: String::new(),
            log_stream_id: String::new(),
            enable_lts_log: false,
            log_config: JsonObject::default(),
            domain_names: String::new(),
            peering_cidr: String::new(),
            gpu_memory: 0,
            gpu_type: String::new(),
            is_stateful_function: false,
            heartbeat_handler: String::new(),
            enable_class_isolation: false,
            ephemeral_storage: 0,
            network_controller: JsonObject::default(),
            enable_auth_in_header: false,
            lts_custom_tag: JsonObject::default(),
            user_data_encrypt_kms_key_id: String::new(),
            code_encrypt_kms_key_id: String::new(),
            restore_hook_handler: String::new(),
            restore_hook_timeout: 0,
        }
    }
}
