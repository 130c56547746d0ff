//! The account rules a login must pass, as pure functions of the user, the client and the time:
//! IP filters, access-time windows, login methods and the multi-step ("partial success") rules,
//! password-change and two-factor requirements, and the settings forced on anonymous users.

use std::net::IpAddr;
use std::path::Path;

use chrono::{DateTime, Datelike, FixedOffset, Local, Offset, TimeZone, Timelike, Utc};
use wharf_model::perms::{
    LOGIN_KEY_AND_KEYBOARD_INT, LOGIN_KEY_AND_PASSWORD, LOGIN_METHODS, LOGIN_PASSWORD, LOGIN_PASSWORD_OVER_SSH,
    LOGIN_TLS_CERT, LOGIN_TLS_CERT_AND_PASSWORD, PERM_DOWNLOAD, PERM_LIST,
};
use wharf_model::user::TimePeriod;
use wharf_model::{User, UserFilters};

use super::{LoginMethod, LoginProtocol};

/// ms in a day, for `password_expiration` (days).
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// SFTPGo's address filter: with neither list set every address may log in; an address inside an
/// `allowed_ip` network may log in even if it is also denied; otherwise an address inside a
/// `denied_ip` network may not; any other address may log in only if `allowed_ip` is empty. An
/// unparsable network met while checking refuses the login (fail closed, as SFTPGo does).
pub fn ip_allowed(filters: &UserFilters, ip: IpAddr) -> bool {
    if filters.allowed_ip.is_empty() && filters.denied_ip.is_empty() {
        return true;
    }
    let ip = ip.to_canonical();
    for net in &filters.allowed_ip {
        match net.parse::<ipnet::IpNet>() {
            Ok(net) if net.contains(&ip) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    for net in &filters.denied_ip {
        match net.parse::<ipnet::IpNet>() {
            Ok(net) if net.contains(&ip) => return false,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    filters.allowed_ip.is_empty()
}

/// A moment as `access_time` windows see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WallClock {
    /// 0 = Sunday … 6 = Saturday.
    pub weekday: u32,
    /// `HH:MM`, 24-hour clock.
    pub hhmm: String,
    /// The zone the time is expressed in (`UTC` or `local`), for logs.
    pub zone: &'static str,
}

impl std::fmt::Display for WallClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
        let day = usize::try_from(self.weekday).ok().and_then(|d| DAYS.get(d)).copied().unwrap_or("?");
        write!(f, "{day} {} {}", self.hhmm, self.zone)
    }
}

/// The weekday and time of `now_ms` in UTC, or in the server's local zone when `tz_local`
/// (`common.tz = "local"`). None for a time chrono cannot represent.
pub fn wall_clock(now_ms: i64, tz_local: bool) -> Option<WallClock> {
    let utc = DateTime::<Utc>::from_timestamp_millis(now_ms)?;
    if tz_local {
        let offset = Local.offset_from_utc_datetime(&utc.naive_utc()).fix();
        let mut clock = wall_clock_at_offset(now_ms, offset)?;
        clock.zone = "local";
        Some(clock)
    } else {
        wall_clock_at_offset(now_ms, Utc.fix())
    }
}

/// The weekday and time of `now_ms` at a fixed UTC offset (zone label `UTC`).
pub fn wall_clock_at_offset(now_ms: i64, offset: FixedOffset) -> Option<WallClock> {
    let t = DateTime::<Utc>::from_timestamp_millis(now_ms)?.with_timezone(&offset);
    Some(WallClock {
        weekday: t.weekday().num_days_from_sunday(),
        hhmm: format!("{:02}:{:02}", t.hour(), t.minute()),
        zone: "UTC",
    })
}

/// True if no window is set, or if `clock` falls in one: same weekday and `from <= HH:MM <= to`
/// (both ends included, compared as `HH:MM` text as SFTPGo does).
pub fn access_time_allowed(periods: &[TimePeriod], clock: &WallClock) -> bool {
    periods.is_empty()
        || periods.iter().any(|p| {
            p.day_of_week == i64::from(clock.weekday) && p.from.as_str() <= clock.hhmm.as_str() && clock.hhmm <= p.to
        })
}

/// True if `method` is not denied for `user` over `protocol`. `password` is also refused over SSH
/// when `password-over-SSH` is denied.
pub fn login_method_allowed(user: &User, method: LoginMethod, protocol: LoginProtocol) -> bool {
    let denied = &user.filters.denied_login_methods;
    if denied.is_empty() {
        return true;
    }
    if denied.iter().any(|d| d == method.as_str()) {
        return false;
    }
    !(protocol == LoginProtocol::Ssh
        && method == LoginMethod::Password
        && denied.iter().any(|d| d == LOGIN_PASSWORD_OVER_SSH))
}

/// The login methods `user` has not denied (`password-over-SSH` is a restriction, not a method,
/// and is never listed).
pub fn allowed_login_methods(user: &User) -> Vec<&'static str> {
    let denied = &user.filters.denied_login_methods;
    LOGIN_METHODS.iter().copied().filter(|m| *m != LOGIN_PASSWORD_OVER_SSH && !denied.iter().any(|d| d == m)).collect()
}

/// True when a successful public key is only a first step: every SSH login method left to the
/// user is a multi-step one (`publickey+password`, `publickey+keyboard-interactive`). TLS methods
/// are ignored, and so is `password` when `password-over-SSH` is denied.
pub fn is_partial_auth(user: &User) -> bool {
    let denied = &user.filters.denied_login_methods;
    let pwd_over_ssh_denied = denied.iter().any(|d| d == LOGIN_PASSWORD_OVER_SSH);
    allowed_login_methods(user).into_iter().all(|m| {
        m == LOGIN_TLS_CERT
            || m == LOGIN_TLS_CERT_AND_PASSWORD
            || (m == LOGIN_PASSWORD && pwd_over_ssh_denied)
            || m == LOGIN_KEY_AND_PASSWORD
            || m == LOGIN_KEY_AND_KEYBOARD_INT
    })
}

/// The second steps open to `user` after a public key: `password` if `publickey+password` is
/// allowed, `keyboard-interactive` if `publickey+keyboard-interactive` is.
pub fn next_auth_methods(user: &User) -> Vec<LoginMethod> {
    let allowed = allowed_login_methods(user);
    let mut next = Vec::new();
    if allowed.contains(&LOGIN_KEY_AND_PASSWORD) {
        next.push(LoginMethod::Password);
    }
    if allowed.contains(&LOGIN_KEY_AND_KEYBOARD_INT) {
        next.push(LoginMethod::KeyboardInteractive);
    }
    next
}

/// Where a login stands after some steps succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextMethods {
    /// The steps done make a complete login.
    Complete,
    /// One more step is needed, with one of these methods.
    Partial(Vec<LoginMethod>),
    /// These steps cannot lead to a login (method denied, wrong order, unsupported sequence).
    Denied,
}

/// The login method that `done` (the steps that succeeded, in order) amounts to, if the sequence
/// is one a client can follow: a single method, or `publickey` then `password`/
/// `keyboard-interactive` over SSH, or `TLSCertificate` then `password` over FTP/WebDAV.
pub fn combined_method(done: &[LoginMethod], protocol: LoginProtocol) -> Option<LoginMethod> {
    use LoginMethod::*;
    let ssh = protocol == LoginProtocol::Ssh;
    let tls = matches!(protocol, LoginProtocol::Ftp | LoginProtocol::Dav);
    match done {
        [PublicKey] | [KeyboardInteractive] if ssh => done.first().copied(),
        [Password] => Some(Password),
        [TlsCertificate] if tls => Some(TlsCertificate),
        [PublicKey, Password] if ssh => Some(KeyAndPassword),
        [PublicKey, KeyboardInteractive] if ssh => Some(KeyAndKeyboardInteractive),
        [TlsCertificate, Password] if tls => Some(TlsCertificateAndPassword),
        _ => None,
    }
}

/// SFTPGo's multi-step rules. After `[publickey]` over SSH: partial success with
/// [`next_auth_methods`] when [`is_partial_auth`] holds (denied if no second step is left),
/// otherwise complete if `publickey` is allowed. After `[publickey, password]` or
/// `[publickey, keyboard-interactive]`: complete only if the user is in the multi-step case and the
/// combined method is allowed. A single step is complete if its method is allowed, and any other
/// sequence (password first, then key…) is denied.
pub fn next_methods(user: &User, done: &[LoginMethod], protocol: LoginProtocol) -> NextMethods {
    let Some(method) = combined_method(done, protocol) else {
        return NextMethods::Denied;
    };
    let allowed = |m| if login_method_allowed(user, m, protocol) { NextMethods::Complete } else { NextMethods::Denied };
    match method {
        LoginMethod::PublicKey if is_partial_auth(user) => {
            let next = next_auth_methods(user);
            if next.is_empty() { NextMethods::Denied } else { NextMethods::Partial(next) }
        }
        LoginMethod::KeyAndPassword | LoginMethod::KeyAndKeyboardInteractive if !is_partial_auth(user) => {
            NextMethods::Denied
        }
        m => allowed(m),
    }
}

/// True if the user must change the password before using other protocols than HTTP:
/// `require_password_change`, or a password older than `password_expiration` days.
pub fn must_change_password(user: &User, now_ms: i64) -> bool {
    if user.filters.require_password_change {
        return true;
    }
    let days = user.filters.password_expiration;
    days > 0 && user.last_password_change.saturating_add(days.saturating_mul(DAY_MS)) < now_ms
}

/// True if `two_factor_protocols` requires a second factor for `protocol` and none is configured
/// for it (TOTP not enabled, or enabled without this protocol).
pub fn second_factor_missing(user: &User, protocol: LoginProtocol) -> bool {
    let f = &user.filters;
    let p = protocol.as_str();
    f.two_factor_protocols.iter().any(|x| x == p)
        && (!f.totp_config.enabled || !f.totp_config.protocols.iter().any(|x| x == p))
}

/// True if TOTP is enabled for `protocol` (a passcode is part of the login).
pub fn totp_enabled_for(user: &User, protocol: LoginProtocol) -> bool {
    let totp = &user.filters.totp_config;
    totp.enabled && totp.protocols.iter().any(|x| x == protocol.as_str())
}

/// True if `home_dir` is an absolute path (SFTPGo refuses logins otherwise).
pub fn home_dir_valid(user: &User) -> bool {
    Path::new(&user.home_dir).is_absolute()
}

/// What the server forces on anonymous users (`filters.is_anonymous`): list and download only,
/// SSH and HTTP denied, every login method but `password` denied.
pub fn apply_anonymous_settings(user: &mut User) {
    for perms in user.permissions.values_mut() {
        *perms = vec![PERM_LIST.to_owned(), PERM_DOWNLOAD.to_owned()];
    }
    let f = &mut user.filters;
    for p in [LoginProtocol::Ssh, LoginProtocol::Http] {
        if !f.denied_protocols.iter().any(|x| x == p.as_str()) {
            f.denied_protocols.push(p.as_str().to_owned());
        }
    }
    for m in LOGIN_METHODS {
        if m != LOGIN_PASSWORD && !f.denied_login_methods.iter().any(|x| x == m) {
            f.denied_login_methods.push(m.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_clock_in_utc_and_at_an_offset() {
        // 2024-01-07 is a Sunday.
        let ms = DateTime::parse_from_rfc3339("2024-01-07T23:30:59Z").unwrap().timestamp_millis();
        let c = wall_clock(ms, false).unwrap();
        assert_eq!((c.weekday, c.hhmm.as_str(), c.zone), (0, "23:30", "UTC"));
        assert_eq!(c.to_string(), "Sunday 23:30 UTC");
        let east = FixedOffset::east_opt(2 * 3600).unwrap();
        let c = wall_clock_at_offset(ms, east).unwrap();
        assert_eq!((c.weekday, c.hhmm.as_str()), (1, "01:30"), "two hours east it is Monday already");
        let west = FixedOffset::west_opt(24 * 3600 - 60).unwrap();
        assert_eq!(wall_clock_at_offset(ms, west).unwrap().hhmm, "23:31");
        assert_eq!(wall_clock(ms, true).unwrap().zone, "local");
        assert!(wall_clock(i64::MAX, false).is_none());
    }

    #[test]
    fn anonymous_settings_are_forced() {
        let mut u = User::default();
        u.permissions.insert("/".into(), vec!["*".into()]);
        u.permissions.insert("/sub".into(), vec!["upload".into()]);
        u.filters.denied_protocols = vec!["FTP".into(), "SSH".into()];
        apply_anonymous_settings(&mut u);
        assert!(u.permissions.values().all(|p| *p == ["list", "download"]));
        assert_eq!(u.filters.denied_protocols, ["FTP", "SSH", "HTTP"]);
        assert_eq!(u.filters.denied_login_methods.len(), LOGIN_METHODS.len() - 1);
        assert!(!u.filters.denied_login_methods.iter().any(|m| m == "password"));
    }
}
