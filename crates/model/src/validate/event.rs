//! Validation of event actions and rules.

use super::checks::{check_secret, is_http_url};
use super::user::check_name;
use super::{Errs, VResult, Validate, ValidationContext, ValidationError, dedup};
use crate::event::*;
use crate::glob;
use crate::kind::Kind;
use crate::vpath;

const HTTP_METHODS: [&str; 4] = ["GET", "POST", "PUT", "DELETE"];
const FS_EVENTS: [&str; 13] = [
    "upload",
    "pre-upload",
    "first-upload",
    "download",
    "pre-download",
    "first-download",
    "delete",
    "pre-delete",
    "rename",
    "mkdir",
    "rmdir",
    "copy",
    "ssh_cmd",
];
const PROVIDER_EVENTS: [&str; 3] = ["add", "update", "delete"];
const CONDITION_PROTOCOLS: [&str; 8] = ["SFTP", "SCP", "SSH", "FTP", "DAV", "HTTP", "HTTPShare", "OIDC"];
const PROVIDER_OBJECTS: [&str; 8] =
    ["user", "folder", "group", "admin", "api_key", "share", "event_rule", "event_action"];
/// Filesystem events that may run synchronous actions.
const SYNC_FS_EVENTS: [&str; 4] = ["upload", "pre-upload", "pre-download", "pre-delete"];
/// Filesystem events that need at least one synchronous action.
const MANDATORY_SYNC_FS_EVENTS: [&str; 3] = ["pre-upload", "pre-download", "pre-delete"];

/// Placeholder for data retention reports in attachments and multipart parts (old and new form).
fn is_retention_placeholder(v: &str) -> bool {
    v == "{{RetentionReports}}" || v == "{{.RetentionReports}}"
}

impl Validate for EventAction {
    fn validate(&mut self, ctx: &ValidationContext) -> Result<(), ValidationError> {
        let e = Errs::new(Kind::EventAction, &self.name);
        check_name(ctx.naming_rules, &self.name, &e, "name")?;
        self.rules.clear();
        let o = self.options.clone();
        let mut kept = ActionOptions::default();
        match self.action_type {
            ActionType::Http => {
                kept.http_config = o.http_config;
                validate_http(&mut kept.http_config, &e)?;
            }
            ActionType::Command => {
                kept.cmd_config = o.cmd_config;
                validate_command(&mut kept.cmd_config, ctx, &e)?;
            }
            ActionType::Email => {
                kept.email_config = o.email_config;
                validate_email(&mut kept.email_config, &e)?;
            }
            ActionType::DataRetentionCheck => {
                kept.retention_config = o.retention_config;
                validate_retention(&mut kept.retention_config, &e)?;
            }
            ActionType::Filesystem => {
                kept.fs_config = o.fs_config;
                validate_fs_action(&mut kept.fs_config, &e)?;
            }
            ActionType::PasswordExpirationCheck => {
                kept.pwd_expiration_config = o.pwd_expiration_config;
                if kept.pwd_expiration_config.threshold <= 0 {
                    return Err(e.err("options.pwd_expiration_config.threshold", "must be greater than 0"));
                }
            }
            ActionType::UserInactivityCheck => {
                kept.user_inactivity_config = o.user_inactivity_config;
                let c = &mut kept.user_inactivity_config;
                c.disable_threshold = c.disable_threshold.max(0);
                c.delete_threshold = c.delete_threshold.max(0);
                let f = "options.user_inactivity_config";
                if c.disable_threshold == 0 && c.delete_threshold == 0 {
                    return Err(e.err(f, "at least one threshold must be set"));
                }
                if c.disable_threshold > 0 && c.delete_threshold > 0 && c.delete_threshold <= c.disable_threshold {
                    return Err(e.err(
                        format!("{f}.delete_threshold"),
                        format!(
                            "the deletion threshold {} must be greater than the deactivation threshold {}",
                            c.delete_threshold, c.disable_threshold
                        ),
                    ));
                }
            }
            ActionType::IdpAccountCheck => {
                kept.idp_config = o.idp_config;
                let c = &kept.idp_config;
                if c.template_user.is_empty() && c.template_admin.is_empty() {
                    return Err(e.err("options.idp_config", "at least one template must be set"));
                }
                if c.mode != 0 && c.mode != 1 {
                    return Err(e.err("options.idp_config.mode", format!("invalid mode {}", c.mode)));
                }
            }
            ActionType::Backup
            | ActionType::UserQuotaReset
            | ActionType::FolderQuotaReset
            | ActionType::TransferQuotaReset
            | ActionType::UserExpirationCheck
            | ActionType::RotateLogs => {}
        }
        self.options = kept;
        Ok(())
    }
}

fn kv_invalid(kv: &KeyValue) -> bool {
    kv.key.is_empty() || kv.value.is_empty()
}

fn validate_http(c: &mut HttpConfig, e: &Errs) -> VResult {
    let f = |n: &str| format!("options.http_config.{n}");
    if c.endpoint.is_empty() {
        return Err(e.err(f("endpoint"), "is mandatory"));
    }
    if !is_http_url(&c.endpoint) {
        return Err(e.err(f("endpoint"), "must be an http or https URL"));
    }
    let has_files = c.parts.iter().any(|p| !p.filepath.is_empty() && !is_retention_placeholder(&p.filepath));
    if !has_files && !(1..=180).contains(&c.timeout) {
        return Err(e.err(f("timeout"), format!("invalid timeout {}, the valid range is 1-180", c.timeout)));
    }
    if c.headers.iter().any(kv_invalid) {
        return Err(e.err(f("headers"), "header names and values cannot be empty"));
    }
    let mut file_paths: Vec<String> = Vec::new();
    for (i, part) in c.parts.iter_mut().enumerate() {
        let pf = |n: &str| f(&format!("parts[{i}].{n}"));
        if part.name.is_empty() {
            return Err(e.err(pf("name"), "is mandatory"));
        }
        if part.headers.iter().any(kv_invalid) {
            return Err(e.err(pf("headers"), "header names and values cannot be empty"));
        }
        if part.filepath.is_empty() {
            if part.body.is_empty() {
                return Err(e.err(pf("body"), "is mandatory when no file path is set"));
            }
        } else {
            part.body.clear();
            if !is_retention_placeholder(&part.filepath) {
                part.filepath = vpath::clean_abs(&part.filepath);
            }
            if file_paths.contains(&part.filepath) {
                return Err(e.err(pf("filepath"), format!("{:?} is duplicated", part.filepath)));
            }
            file_paths.push(part.filepath.clone());
        }
    }
    if !c.parts.is_empty() {
        if !c.body.is_empty() {
            return Err(e.err(f("body"), "multipart requests have no body, it is built from the parts"));
        }
        if c.headers.iter().any(|h| h.key.eq_ignore_ascii_case("content-type")) {
            return Err(e.err(f("headers"), "the content type of multipart requests is set automatically"));
        }
    }
    if c.password.is_redacted() {
        return Err(e.err(f("password"), "cannot save a redacted secret"));
    }
    check_secret(&c.password).map_err(|m| e.err(f("password"), m))?;
    if !HTTP_METHODS.contains(&c.method.as_str()) {
        return Err(e.err(f("method"), format!("unsupported HTTP method {:?}", c.method)));
    }
    if c.query_parameters.iter().any(kv_invalid) {
        return Err(e.err(f("query_parameters"), "names and values cannot be empty"));
    }
    Ok(())
}

fn validate_command(c: &mut CommandConfig, ctx: &ValidationContext, e: &Errs) -> VResult {
    let f = |n: &str| format!("options.cmd_config.{n}");
    if c.cmd.is_empty() {
        return Err(e.err(f("cmd"), "is mandatory"));
    }
    if let Some(allowed) = &ctx.allowed_action_commands
        && !allowed.contains(&c.cmd)
    {
        return Err(e.err(f("cmd"), format!("command {:?} is not allowed", c.cmd)));
    }
    if !c.cmd.starts_with('/') {
        return Err(e.err(f("cmd"), "must be an absolute path"));
    }
    if !(1..=120).contains(&c.timeout) {
        return Err(e.err(f("timeout"), format!("invalid timeout {}, the valid range is 1-120", c.timeout)));
    }
    if c.env_vars.iter().any(kv_invalid) {
        return Err(e.err(f("env_vars"), "names and values cannot be empty"));
    }
    for a in &mut c.args {
        *a = a.trim().to_string();
    }
    dedup(&mut c.args);
    if c.args.iter().any(String::is_empty) {
        return Err(e.err(f("args"), "arguments cannot be empty"));
    }
    Ok(())
}

fn validate_email(c: &mut EmailConfig, e: &Errs) -> VResult {
    let f = |n: &str| format!("options.email_config.{n}");
    if c.recipients.is_empty() {
        return Err(e.err(f("recipients"), "at least one recipient is required"));
    }
    dedup(&mut c.recipients);
    if c.recipients.iter().any(String::is_empty) {
        return Err(e.err(f("recipients"), "recipients cannot be empty"));
    }
    dedup(&mut c.bcc);
    if c.bcc.iter().any(String::is_empty) {
        return Err(e.err(f("bcc"), "addresses cannot be empty"));
    }
    if c.subject.is_empty() {
        return Err(e.err(f("subject"), "is mandatory"));
    }
    if c.body.is_empty() {
        return Err(e.err(f("body"), "is mandatory"));
    }
    if c.content_type != 0 && c.content_type != 1 {
        return Err(e.err(f("content_type"), format!("invalid content type {}", c.content_type)));
    }
    for (i, a) in c.attachments.iter_mut().enumerate() {
        let v = a.trim();
        if v.is_empty() {
            return Err(e.err(f(&format!("attachments[{i}]")), "cannot be empty"));
        }
        *a = if is_retention_placeholder(v) { v.to_string() } else { vpath::clean_abs(v) };
    }
    dedup(&mut c.attachments);
    Ok(())
}

fn validate_retention(c: &mut RetentionConfig, e: &Errs) -> VResult {
    let mut paths: Vec<String> = Vec::new();
    let mut nothing_to_do = true;
    for (i, folder) in c.folders.iter_mut().enumerate() {
        let f = |n: &str| format!("options.retention_config.folders[{i}].{n}");
        folder.path = vpath::clean_abs(&folder.path);
        if folder.retention < 0 {
            return Err(e.err(f("retention"), format!("invalid retention {}, it must be >= 0", folder.retention)));
        }
        if folder.retention > 0 {
            nothing_to_do = false;
        }
        if paths.contains(&folder.path) {
            return Err(e.err(f("path"), format!("duplicated folder path {:?}", folder.path)));
        }
        paths.push(folder.path.clone());
    }
    if nothing_to_do {
        return Err(
            e.err("options.retention_config.folders", "nothing to delete: set a retention for at least one folder")
        );
    }
    Ok(())
}

fn clean_list(list: &mut Vec<String>, e: &Errs, field: &str, what: &str) -> VResult {
    if list.is_empty() {
        return Err(e.err(field, format!("no {what} specified")));
    }
    for (i, v) in list.iter_mut().enumerate() {
        let t = v.trim();
        if t.is_empty() {
            return Err(e.err(format!("{field}[{i}]"), "cannot be empty"));
        }
        *v = vpath::clean_abs(t);
    }
    dedup(list);
    Ok(())
}

fn validate_fs_action(c: &mut FsActionConfig, e: &Errs) -> VResult {
    let f = |n: &str| format!("options.fs_config.{n}");
    let t = c.action_type;
    if !(FS_ACTION_RENAME..=FS_ACTION_COPY).contains(&t) {
        return Err(e.err(f("type"), format!("invalid filesystem action type {t}")));
    }
    let mut kept = FsActionConfig { action_type: t, ..FsActionConfig::default() };
    match t {
        FS_ACTION_RENAME => {
            kept.renames = c.renames.clone();
            if kept.renames.is_empty() {
                return Err(e.err(f("renames"), "no path to rename specified"));
            }
            for (i, r) in kept.renames.iter_mut().enumerate() {
                let (k, v) = source_target(&r.key, &r.value, e, &f(&format!("renames[{i}]")), "rename")?;
                r.key = k;
                r.value = v;
            }
        }
        FS_ACTION_COPY => {
            kept.copy = c.copy.clone();
            if kept.copy.is_empty() {
                return Err(e.err(f("copy"), "no path to copy specified"));
            }
            for (i, kv) in kept.copy.iter_mut().enumerate() {
                let (mut k, mut v) = source_target(&kv.key, &kv.value, e, &f(&format!("copy[{i}]")), "copy")?;
                // A trailing slash means "into this directory" and is kept.
                if kv.key.ends_with('/') {
                    k.push('/');
                }
                if kv.value.ends_with('/') {
                    v.push('/');
                }
                kv.key = k;
                kv.value = v;
            }
        }
        FS_ACTION_DELETE => {
            kept.deletes = c.deletes.clone();
            clean_list(&mut kept.deletes, e, &f("deletes"), "path to delete")?;
        }
        FS_ACTION_MKDIRS => {
            kept.mkdirs = c.mkdirs.clone();
            clean_list(&mut kept.mkdirs, e, &f("mkdirs"), "directory to create")?;
        }
        FS_ACTION_EXIST => {
            kept.exist = c.exist.clone();
            clean_list(&mut kept.exist, e, &f("exist"), "path to check")?;
        }
        _ => {
            kept.compress = c.compress.clone();
            let comp = &mut kept.compress;
            if comp.name.trim().is_empty() {
                return Err(e.err(f("compress.name"), "is mandatory"));
            }
            comp.name = vpath::clean_abs(comp.name.trim());
            if comp.name == "/" {
                return Err(e.err(f("compress.name"), "invalid archive name"));
            }
            clean_list(&mut comp.paths, e, &f("compress.paths"), "path to compress")?;
        }
    }
    *c = kept;
    Ok(())
}

fn source_target(
    key: &str,
    value: &str,
    e: &Errs,
    field: &str,
    what: &str,
) -> Result<(String, String), ValidationError> {
    let (k, v) = (key.trim(), value.trim());
    if k.is_empty() || v.is_empty() {
        return Err(e.err(field, format!("invalid paths to {what}")));
    }
    let (k, v) = (vpath::clean_abs(k), vpath::clean_abs(v));
    if k == v {
        return Err(e.err(field, format!("{what} source and target cannot be equal")));
    }
    if k == "/" || v == "/" {
        return Err(e.err(field, format!("the root directory cannot be the {what} source or target")));
    }
    Ok((k, v))
}

impl Validate for EventRule {
    fn validate(&mut self, ctx: &ValidationContext) -> Result<(), ValidationError> {
        let e = Errs::new(Kind::EventRule, &self.name);
        check_name(ctx.naming_rules, &self.name, &e, "name")?;
        if self.status != 0 && self.status != 1 {
            return Err(e.err("status", format!("invalid status {}, it must be 0 or 1", self.status)));
        }
        validate_conditions(&mut self.conditions, self.trigger, ctx, &e)?;
        if self.actions.is_empty() {
            return Err(e.err("actions", "at least one action is required"));
        }
        let mut names: Vec<&str> = Vec::new();
        let mut orders: Vec<i64> = Vec::new();
        let mut failure_actions = 0;
        let mut has_sync = false;
        for (i, a) in self.actions.iter().enumerate() {
            let f = format!("actions[{i}]");
            if a.name.is_empty() {
                return Err(e.err(format!("{f}.name"), "is mandatory"));
            }
            if names.contains(&a.name.as_str()) {
                return Err(e.err(format!("{f}.name"), format!("duplicated action {:?}", a.name)));
            }
            if orders.contains(&a.order) {
                return Err(
                    e.err(format!("{f}.order"), format!("duplicated order {} for action {:?}", a.order, a.name))
                );
            }
            let opts = &a.relation_options;
            if opts.is_failure_action && opts.execute_sync {
                return Err(e.err(f.clone() + ".relation_options", "failure actions cannot be executed synchronously"));
            }
            if opts.execute_sync {
                if self.trigger != Trigger::FsEvent && self.trigger != Trigger::IdpLogin {
                    return Err(e.err(
                        f.clone() + ".relation_options",
                        "synchronous execution is only supported for some filesystem events and identity provider logins",
                    ));
                }
                if self.trigger == Trigger::FsEvent
                    && self.conditions.fs_events.iter().any(|ev| !SYNC_FS_EVENTS.contains(&ev.as_str()))
                {
                    return Err(e.err(
                        f.clone() + ".relation_options",
                        "synchronous execution is only supported for upload and pre-* events",
                    ));
                }
                has_sync = true;
            }
            if opts.is_failure_action {
                failure_actions += 1;
            }
            names.push(&a.name);
            orders.push(a.order);
        }
        if failure_actions == self.actions.len() {
            return Err(e.err("actions", "at least one non-failure action is required"));
        }
        if !has_sync
            && self.trigger == Trigger::FsEvent
            && let Some(ev) =
                self.conditions.fs_events.iter().find(|ev| MANDATORY_SYNC_FS_EVENTS.contains(&ev.as_str()))
        {
            return Err(e.err("actions", format!("the event {ev:?} requires at least one synchronous action")));
        }
        for a in &mut self.actions {
            a.clear_output_only();
        }
        Ok(())
    }
}

fn validate_conditions(c: &mut EventConditions, trigger: Trigger, ctx: &ValidationContext, e: &Errs) -> VResult {
    let clear_fs_options = |o: &mut ConditionOptions| {
        o.fs_paths.clear();
        o.protocols.clear();
        o.event_statuses.clear();
        o.min_size = 0;
        o.max_size = 0;
    };
    match trigger {
        Trigger::FsEvent => {
            c.provider_events.clear();
            c.schedules.clear();
            c.options.provider_objects.clear();
            c.idp_login_event = 0;
            if c.fs_events.is_empty() {
                return Err(e.err("conditions.fs_events", "at least one filesystem event is required"));
            }
            for (i, ev) in c.fs_events.iter().enumerate() {
                if !FS_EVENTS.contains(&ev.as_str()) {
                    return Err(
                        e.err(format!("conditions.fs_events[{i}]"), format!("unsupported filesystem event {ev:?}"))
                    );
                }
            }
        }
        Trigger::ProviderEvent => {
            c.fs_events.clear();
            c.schedules.clear();
            clear_fs_options(&mut c.options);
            c.idp_login_event = 0;
            if c.provider_events.is_empty() {
                return Err(e.err("conditions.provider_events", "at least one provider event is required"));
            }
            for (i, ev) in c.provider_events.iter().enumerate() {
                if !PROVIDER_EVENTS.contains(&ev.as_str()) {
                    return Err(e.err(
                        format!("conditions.provider_events[{i}]"),
                        format!("unsupported provider event {ev:?}"),
                    ));
                }
            }
        }
        Trigger::Schedule => {
            c.fs_events.clear();
            c.provider_events.clear();
            clear_fs_options(&mut c.options);
            c.options.provider_objects.clear();
            c.idp_login_event = 0;
            if c.schedules.is_empty() {
                return Err(e.err("conditions.schedules", "at least one schedule is required"));
            }
            for (i, s) in c.schedules.iter().enumerate() {
                validate_schedule(s).map_err(|m| e.err(format!("conditions.schedules[{i}]"), m))?;
            }
        }
        Trigger::IpBlocked | Trigger::Certificate => {
            c.fs_events.clear();
            c.provider_events.clear();
            c.options.names.clear();
            c.options.group_names.clear();
            c.options.role_names.clear();
            clear_fs_options(&mut c.options);
            c.schedules.clear();
            c.idp_login_event = 0;
        }
        Trigger::OnDemand => {
            c.fs_events.clear();
            c.provider_events.clear();
            clear_fs_options(&mut c.options);
            c.options.provider_objects.clear();
            c.schedules.clear();
            c.idp_login_event = 0;
            c.options.concurrent_execution = false;
        }
        Trigger::IdpLogin => {
            c.fs_events.clear();
            c.provider_events.clear();
            c.options.group_names.clear();
            c.options.role_names.clear();
            clear_fs_options(&mut c.options);
            c.schedules.clear();
            if !(0..=2).contains(&c.idp_login_event) {
                return Err(e.err(
                    "conditions.idp_login_event",
                    format!("invalid identity provider login event {}", c.idp_login_event),
                ));
            }
        }
    }
    let o = &mut c.options;
    for (field, patterns) in
        [("names", &o.names), ("group_names", &o.group_names), ("role_names", &o.role_names), ("fs_paths", &o.fs_paths)]
    {
        for (i, p) in patterns.iter().enumerate() {
            let f = format!("conditions.options.{field}[{i}].pattern");
            if p.pattern.is_empty() {
                return Err(e.err(f, "empty patterns are not allowed"));
            }
            glob::validate(&p.pattern).map_err(|_| e.err(&f, format!("invalid pattern {:?}", p.pattern)))?;
        }
    }
    for (i, p) in o.protocols.iter().enumerate() {
        if !CONDITION_PROTOCOLS.contains(&p.as_str()) {
            return Err(e.err(format!("conditions.options.protocols[{i}]"), format!("unsupported protocol {p:?}")));
        }
    }
    for (i, p) in o.provider_objects.iter().enumerate() {
        if !PROVIDER_OBJECTS.contains(&p.as_str()) {
            return Err(e.err(
                format!("conditions.options.provider_objects[{i}]"),
                format!("unsupported provider object {p:?}"),
            ));
        }
    }
    if o.min_size > 0 && o.max_size > 0 && o.max_size <= o.min_size {
        return Err(e.err(
            "conditions.options.max_size",
            format!("{} must be greater than min_size ({})", o.max_size, o.min_size),
        ));
    }
    for (i, s) in o.event_statuses.iter().enumerate() {
        if !(0..=3).contains(s) {
            return Err(e.err(format!("conditions.options.event_statuses[{i}]"), format!("invalid event status {s}")));
        }
    }
    if !ctx.is_shared {
        o.concurrent_execution = false;
    }
    Ok(())
}

fn validate_schedule(s: &Schedule) -> Result<(), String> {
    let check = |value: &str, kind: CronField| {
        validate_cron_field(value, kind).map_err(|m| {
            format!(
                "invalid schedule (hour {:?}, day of month {:?}, month {:?}, day of week {:?}): {m}",
                s.hour, s.day_of_month, s.month, s.day_of_week
            )
        })
    };
    check(&s.hour, CronField::Hour)?;
    check(&s.day_of_month, CronField::DayOfMonth)?;
    check(&s.month, CronField::Month)?;
    check(&s.day_of_week, CronField::DayOfWeek)
}

/// The fields of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CronField {
    /// 0-23.
    Hour,
    /// 1-31.
    DayOfMonth,
    /// 1-12 or JAN-DEC.
    Month,
    /// 0-6 or SUN-SAT.
    DayOfWeek,
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// Checks one field of a standard cron expression: `*`, `?` (day fields), numbers, names
/// (months, week days), ranges `a-b`, steps `/n` and comma-separated lists.
pub fn validate_cron_field(value: &str, kind: CronField) -> Result<(), String> {
    let (min, max, names): (u32, u32, &[&str]) = match kind {
        CronField::Hour => (0, 23, &[]),
        CronField::DayOfMonth => (1, 31, &[]),
        CronField::Month => (1, 12, &MONTHS),
        CronField::DayOfWeek => (0, 6, &DAYS),
    };
    if value.is_empty() {
        return Err("empty field".to_string());
    }
    let parse = |s: &str| -> Result<u32, String> {
        if let Some(idx) = names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
            let idx = u32::try_from(idx).map_err(|_| "invalid value".to_string())?;
            return Ok(idx + min);
        }
        let n: u32 = s.parse().map_err(|_| format!("invalid value {s:?}"))?;
        if n < min || n > max {
            return Err(format!("{n} is out of range {min}-{max}"));
        }
        Ok(n)
    };
    for item in value.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| format!("invalid step {s:?}"))?;
                if step == 0 {
                    return Err("the step must be greater than 0".to_string());
                }
                (r, Some(step))
            }
            None => (item, None),
        };
        let is_day = matches!(kind, CronField::DayOfMonth | CronField::DayOfWeek);
        if range == "*" || (range == "?" && is_day) {
            continue;
        }
        match range.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (parse(a)?, parse(b)?);
                if a > b {
                    return Err(format!("invalid range {range:?}"));
                }
            }
            None => {
                parse(range)?;
                let _ = step;
            }
        }
    }
    Ok(())
}
