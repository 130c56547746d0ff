//! Validation: exact error messages and the normalisations SFTPGo applies.

use std::collections::BTreeMap;

use wharf_model::json::from_slice;
use wharf_model::names::NamingRules;
use wharf_model::*;

use crate::fixtures::*;
use crate::keys::*;

fn ctx() -> ValidationContext {
    ValidationContext::default()
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> T {
    from_slice(text.as_bytes(), 1 << 20).unwrap()
}

fn user() -> User {
    let mut u = User { username: "alice".into(), status: 1, home_dir: "/home/alice".into(), ..Default::default() };
    u.permissions.insert("/".into(), vec!["*".into()]);
    u
}

fn user_err(u: &mut User) -> String {
    u.validate(&ctx()).unwrap_err().to_string()
}

fn perms(entries: &[(&str, &[&str])]) -> Permissions {
    entries.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect::<BTreeMap<_, _>>()
}

#[test]
fn minimal_user_is_valid() {
    let mut u = user();
    u.validate(&ctx()).unwrap();
}

#[test]
fn fixture_user_is_valid_and_keeps_its_data() {
    let mut u: User = parse(&with_keys(USER_S3));
    let c = ValidationContext { external_auth: true, ..ctx() };
    u.validate(&c).unwrap();
    assert!(!u.has_password, "output-only field cleared");
    assert_eq!(u.virtual_folders[0].mapped_path, "", "folder details dropped from the mapping");
    assert_eq!(u.virtual_folders[0].name, "shared");
    assert_eq!(u.public_keys.len(), 2);
    assert_eq!(u.filters.totp_config.protocols, vec!["SSH", "HTTP"]);
}

#[test]
fn home_dir_rules() {
    let mut u = user();
    u.home_dir = "relative/dir".into();
    assert_eq!(user_err(&mut u), r#"user "alice": home_dir: must be an absolute path"#);
    let mut u = user();
    u.home_dir.clear();
    assert_eq!(user_err(&mut u), r#"user "alice": home_dir: is mandatory"#);
    // Cleaned.
    let mut u = user();
    u.home_dir = "/srv//data/../alice/".into();
    u.validate(&ctx()).unwrap();
    assert_eq!(u.home_dir, "/srv/alice");
    // users_base_dir provides a default.
    let mut u = user();
    u.home_dir.clear();
    u.validate(&ValidationContext { users_base_dir: "/srv/users/".into(), ..ctx() }).unwrap();
    assert_eq!(u.home_dir, "/srv/users/alice");
    // Remote providers get a home under the temp dir.
    let mut u = user();
    u.home_dir.clear();
    u.filesystem = parse(FS_SFTP);
    u.validate(&ctx()).unwrap();
    assert_eq!(u.home_dir, "/tmp/alice");
}

#[test]
fn username_rules() {
    let mut u = user();
    u.username = "__system__".into();
    assert_eq!(user_err(&mut u), r#"user "__system__": username: this username is reserved"#);
    let mut u = user();
    u.username = "bad/name".into();
    assert_eq!(user_err(&mut u), r#"user "bad/name": username: "bad/name" contains the invalid character '/'"#);
    let mut u = user();
    u.username = "Jürgen".into();
    let strict = ValidationContext { naming_rules: NamingRules(0), ..ctx() };
    assert_eq!(
        u.validate(&strict).unwrap_err().to_string(),
        r#"user "Jürgen": username: "Jürgen" is not valid, the following characters are allowed: a-zA-Z0-9-_.~"#
    );
    // Default rules (5): any UTF-8, trimmed.
    let mut u = user();
    u.username = "  Jürgen ".into();
    u.validate(&ctx()).unwrap();
    assert_eq!(u.username, "Jürgen");
    // Rule 2 lowercases, also the references.
    let mut u = user();
    u.username = "ALICE".into();
    u.role = "EU".into();
    u.groups = vec![GroupMapping { name: "Staff".into(), group_type: GroupType::Primary }];
    u.virtual_folders = vec![VirtualFolder::new("Shared", "/s")];
    u.validate(&ValidationContext { naming_rules: NamingRules(7), ..ctx() }).unwrap();
    assert_eq!((u.username.as_str(), u.role.as_str()), ("alice", "eu"));
    assert_eq!(u.groups[0].name, "staff");
    assert_eq!(u.virtual_folders[0].name, "shared");
}

#[test]
fn permission_rules() {
    let mut u = user();
    u.permissions = perms(&[("/dir", &["list"])]);
    assert_eq!(user_err(&mut u), r#"user "alice": permissions: permissions for the root dir "/" must be set"#);
    let mut u = user();
    u.permissions.clear();
    assert_eq!(user_err(&mut u), r#"user "alice": permissions: please grant some permissions to this user"#);
    let mut u = user();
    u.permissions = perms(&[("/", &[])]);
    assert_eq!(user_err(&mut u), r#"user "alice": permissions["/"]: no permissions granted for the root directory"#);
    let mut u = user();
    u.permissions = perms(&[("/", &["*"]), ("/x", &["list", "fly"])]);
    assert_eq!(user_err(&mut u), r#"user "alice": permissions["/x"]: invalid permission "fly""#);
    let mut u = user();
    u.permissions = perms(&[("/", &["*"]), ("rel", &["list"])]);
    assert_eq!(user_err(&mut u), r#"user "alice": permissions["rel"]: permissions can only be set for absolute paths"#);
    let mut u = user();
    u.permissions = perms(&[("/", &["*"]), ("/a/..", &["list"])]);
    assert_eq!(user_err(&mut u), r#"user "alice": permissions["/a/.."]: "/a/.." is an alias for "/""#);
    let mut u = user();
    u.permissions = perms(&[("/", &["*"]), ("/p[", &["list"])]);
    assert_eq!(user_err(&mut u), r#"user "alice": permissions["/p["]: invalid pattern"#);

    // Normalisation: keys cleaned, `*` collapsed, duplicates removed.
    let mut u = user();
    u.permissions =
        perms(&[("/", &["list", "*", "upload"]), ("/sub/dir/", &["list", "download", "list"]), ("/p*", &["copy"])]);
    u.validate(&ctx()).unwrap();
    assert_eq!(u.permissions, perms(&[("/", &["*"]), ("/sub/dir", &["list", "download"]), ("/p*", &["copy"])]));
}

#[test]
fn virtual_folder_rules() {
    let mut u = user();
    u.virtual_folders = vec![VirtualFolder::new("a", "")];
    assert_eq!(user_err(&mut u), r#"user "alice": virtual_folders[0].virtual_path: is mandatory"#);
    let mut u = user();
    u.virtual_folders = vec![VirtualFolder { quota_size: -1, quota_files: 5, ..VirtualFolder::new("a", "/a") }];
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": virtual_folders[0].quota_size: quota_size and quota_files must be both -1 or both >= 0"#
    );
    let mut u = user();
    u.virtual_folders = vec![VirtualFolder { quota_files: -2, ..VirtualFolder::new("a", "/a") }];
    assert_eq!(user_err(&mut u), r#"user "alice": virtual_folders[0].quota_files: invalid quota -2"#);
    let mut u = user();
    u.virtual_folders = vec![VirtualFolder::new("a", "/x"), VirtualFolder::new("b", "/x/")];
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": virtual_folders[1].virtual_path: "/x/" overlaps with the virtual folder "a""#
    );
    let mut u = user();
    u.virtual_folders = vec![VirtualFolder::new("a", "/x"), VirtualFolder::new("a", "/y")];
    assert_eq!(user_err(&mut u), r#"user "alice": virtual_folders[1].name: the folder "a" is duplicated"#);
    // The same folder with different subpaths is allowed; nested mount points too (as in SFTPGo).
    let mut u = user();
    u.virtual_folders = vec![
        VirtualFolder { subpath: "t1".into(), ..VirtualFolder::new("a", "/x") },
        VirtualFolder { subpath: "t2\\data/".into(), ..VirtualFolder::new("a", "x/y") },
    ];
    u.validate(&ctx()).unwrap();
    assert_eq!(u.virtual_folders[1].virtual_path, "/x/y");
    assert_eq!(u.virtual_folders[1].subpath, "t2/data");
    let mut u = user();
    u.virtual_folders = vec![VirtualFolder { subpath: "../up".into(), ..VirtualFolder::new("a", "/x") }];
    assert_eq!(user_err(&mut u), r#"user "alice": virtual_folders[0].subpath: cannot point outside the folder"#);
    let mut u = user();
    u.virtual_folders =
        vec![VirtualFolder { subpath: "t".into(), quota_size: 10, quota_files: 1, ..VirtualFolder::new("a", "/x") }];
    assert!(user_err(&mut u).contains("a folder mounted with a subpath can only be unlimited"));
}

#[test]
fn public_key_rules() {
    let mut u = user();
    u.public_keys = vec![ED25519_KEY.into(), "".into(), ED25519_KEY.into(), ECDSA_KEY.into(), RSA2048_KEY.into()];
    u.validate(&ctx()).unwrap();
    assert_eq!(u.public_keys, vec![ED25519_KEY, ECDSA_KEY, RSA2048_KEY], "empty and duplicate keys dropped");

    let mut u = user();
    u.public_keys = vec![ED25519_KEY.into(), DSA_KEY.into()];
    assert_eq!(user_err(&mut u), r#"user "alice": public_keys[1]: DSA keys are insecure and not accepted"#);
    let mut u = user();
    u.public_keys = vec![RSA1024_KEY.into()];
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": public_keys[0]: RSA key of 1024 bits is too small, the minimum is 2048"#
    );
    let mut u = user();
    u.public_keys = vec!["ssh-ed25519 not-base64".into()];
    assert!(user_err(&mut u).starts_with(r#"user "alice": public_keys[0]: invalid public key: "#));
    // authorized_keys options are accepted.
    let mut u = user();
    u.public_keys = vec![format!("from=\"10.0.0.0/8\",no-pty {ED25519_KEY}")];
    u.validate(&ctx()).unwrap();
    let mut u = user();
    let bare = ED25519_KEY.rsplit_once(' ').unwrap().0.to_string();
    u.public_keys = vec![format!("no-pty {bare}")];
    u.validate(&ctx()).unwrap();
}

#[test]
fn filter_rules() {
    let mut u = user();
    u.filters.allowed_ip = vec!["192.0.2.0/24".into(), "192.0.2.1".into()];
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": filters.allowed_ip[1]: "192.0.2.1" is not a valid network in CIDR notation"#
    );
    let mut u = user();
    u.filters.denied_ip = vec!["10.0.0.0/8".into(), "10.0.0.0/8".into(), "2001:db8::/32".into()];
    u.validate(&ctx()).unwrap();
    assert_eq!(u.filters.denied_ip, vec!["10.0.0.0/8", "2001:db8::/32"]);

    let mut u = user();
    u.filters.bandwidth_limits = vec![user::BandwidthLimit { sources: vec![], ..Default::default() }];
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": filters.bandwidth_limits[0].sources: no bandwidth limit source specified"#
    );
    let mut u = user();
    u.filters.bandwidth_limits =
        vec![user::BandwidthLimit { sources: vec!["10.0.0.0/8".into(), "x".into()], ..Default::default() }];
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": filters.bandwidth_limits[0].sources[1]: "x" is not a valid network in CIDR notation"#
    );
    let mut u = user();
    u.filters.denied_login_methods = vec!["password".into(), "telepathy".into()];
    assert_eq!(user_err(&mut u), r#"user "alice": filters.denied_login_methods[1]: invalid login method "telepathy""#);
    let mut u = user();
    u.filters.denied_login_methods = perms::LOGIN_METHODS.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": filters.denied_login_methods: at least one login method must be allowed"#
    );
    let mut u = user();
    u.filters.denied_protocols = vec!["SSH".into(), "SMB".into()];
    assert_eq!(user_err(&mut u), r#"user "alice": filters.denied_protocols[1]: invalid protocol "SMB""#);
    let mut u = user();
    u.filters.denied_protocols = vec!["SSH".into(), "FTP".into(), "DAV".into(), "HTTP".into()];
    assert_eq!(user_err(&mut u), r#"user "alice": filters.denied_protocols: at least one protocol must be allowed"#);
    let mut u = user();
    u.filters.two_factor_protocols = vec!["DAV".into()];
    assert_eq!(user_err(&mut u), r#"user "alice": filters.two_factor_protocols[0]: invalid protocol "DAV""#);
    let mut u = user();
    u.filters.web_client = vec!["fly".into()];
    assert_eq!(user_err(&mut u), r#"user "alice": filters.web_client[0]: invalid web client option "fly""#);
    let mut u = user();
    u.filters.tls_username = "Serial".into();
    assert_eq!(user_err(&mut u), r#"user "alice": filters.tls_username: invalid TLS username "Serial""#);
    let mut u = user();
    u.filters.default_shares_expiration = 10;
    u.filters.max_shares_expiration = 5;
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": filters.default_shares_expiration: 10 must be less than or equal to max_shares_expiration (5)"#
    );
    let mut u = user();
    u.filters.access_time = vec![user::TimePeriod { day_of_week: 7, from: "08:00".into(), to: "09:00".into() }];
    assert_eq!(user_err(&mut u), r#"user "alice": filters.access_time[0].day_of_week: invalid day of week 7"#);
    let mut u = user();
    u.filters.access_time = vec![user::TimePeriod { day_of_week: 1, from: "8:00".into(), to: "09:00".into() }];
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": filters.access_time[0].from: invalid time of day, the format is HH:MM"#
    );
    let mut u = user();
    u.filters.access_time = vec![user::TimePeriod { day_of_week: 1, from: "10:00".into(), to: "09:59".into() }];
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": filters.access_time[0].to: the end time must be later than the start time"#
    );
}

#[test]
fn file_pattern_rules() {
    let mut u = user();
    u.filters.file_patterns = vec![user::PatternsFilter {
        path: "/docs/".into(),
        allowed_patterns: vec!["*.PDF".into(), "*.pdf".into()],
        ..Default::default()
    }];
    u.validate(&ctx()).unwrap();
    assert_eq!(u.filters.file_patterns[0].path, "/docs");
    assert_eq!(u.filters.file_patterns[0].allowed_patterns, vec!["*.pdf"], "lowercased and deduplicated");

    let mut u = user();
    u.filters.file_patterns = vec![user::PatternsFilter { path: "/docs".into(), ..Default::default() }];
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": filters.file_patterns[0].path: empty file patterns filter for path "/docs""#
    );
    let mut u = user();
    u.filters.file_patterns =
        vec![user::PatternsFilter { path: "/d".into(), denied_patterns: vec!["[".into()], ..Default::default() }];
    assert_eq!(user_err(&mut u), r#"user "alice": filters.file_patterns[0].denied_patterns[0]: invalid pattern "[""#);
    let mut u = user();
    let p = user::PatternsFilter { path: "/d".into(), denied_patterns: vec!["*.exe".into()], ..Default::default() };
    u.filters.file_patterns = vec![p.clone(), user::PatternsFilter { path: "/d/".into(), ..p }];
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": filters.file_patterns[1].path: duplicate file patterns filter for path "/d/""#
    );
}

#[test]
fn tls_certificate_rules() {
    let mut u = user();
    u.filters.tls_certs = vec![CERT_RSA2048.into(), "".into(), CERT_EC.into()];
    u.validate(&ctx()).unwrap();
    assert_eq!(u.filters.tls_certs.len(), 2);
    let mut u = user();
    u.filters.tls_certs = vec![CERT_RSA1024.into()];
    assert_eq!(
        user_err(&mut u),
        r#"user "alice": filters.tls_certs[0]: RSA key of 1024 bits is too small, the minimum is 2048"#
    );
    let mut u = user();
    u.filters.tls_certs = vec!["not a certificate".into()];
    assert_eq!(user_err(&mut u), r#"user "alice": filters.tls_certs[0]: not a PEM encoded certificate"#);
}

#[test]
fn user_normalisations() {
    let mut u = user();
    u.total_data_transfer = 100;
    u.upload_data_transfer = 10;
    u.download_data_transfer = 20;
    u.upload_bandwidth = -5;
    u.filters.start_directory = "docs/../start/".into();
    u.filters.external_auth_cache_time = 60;
    u.has_password = true;
    u.validate(&ctx()).unwrap();
    assert_eq!((u.upload_data_transfer, u.download_data_transfer, u.total_data_transfer), (0, 0, 100));
    assert_eq!(u.upload_bandwidth, 0);
    assert_eq!(u.filters.start_directory, "/start");
    assert_eq!(u.filters.external_auth_cache_time, 0, "no external auth configured");
    assert!(!u.has_password);

    let mut u = user();
    u.filters.start_directory = "/".into();
    u.filters.external_auth_cache_time = 60;
    u.validate(&ValidationContext { external_auth: true, ..ctx() }).unwrap();
    assert_eq!(u.filters.start_directory, "");
    assert_eq!(u.filters.external_auth_cache_time, 60);
}

#[test]
fn anonymous_users_are_read_only() {
    let mut u = user();
    u.permissions = perms(&[("/", &["*"]), ("/in", &["upload"])]);
    u.filters.is_anonymous = true;
    u.filters.denied_protocols = vec!["SSH".into()];
    u.validate(&ctx()).unwrap();
    assert_eq!(u.permissions, perms(&[("/", &["list", "download"]), ("/in", &["list", "download"])]));
    assert_eq!(u.filters.denied_protocols, vec!["SSH", "HTTP"]);
    assert!(!u.filters.denied_login_methods.iter().any(|m| m == "password"));
    assert_eq!(u.filters.denied_login_methods.len(), 7);
}

#[test]
fn status_email_groups_totp() {
    let mut u = user();
    u.status = 2;
    assert_eq!(user_err(&mut u), r#"user "alice": status: invalid status 2, it must be 0 or 1"#);
    let mut u = user();
    u.email = "alice.example.com".into();
    assert_eq!(user_err(&mut u), r#"user "alice": email: "alice.example.com" is not a valid email address"#);
    let mut u = user();
    u.groups = vec![
        GroupMapping { name: "a".into(), group_type: GroupType::Primary },
        GroupMapping { name: "b".into(), group_type: GroupType::Primary },
    ];
    assert_eq!(user_err(&mut u), r#"user "alice": groups[1]: only one primary group is allowed"#);
    let mut u = user();
    u.groups = vec![
        GroupMapping { name: "a".into(), group_type: GroupType::Secondary },
        GroupMapping { name: "a".into(), group_type: GroupType::Membership },
    ];
    assert_eq!(user_err(&mut u), r#"user "alice": groups[1]: the group "a" is duplicated"#);

    let mut u = user();
    u.filters.totp_config = user::UserTotpConfig {
        enabled: true,
        config_name: "Other".into(),
        secret: Secret::plain("JBSWY3DPEHPK3PXP"),
        protocols: vec!["SSH".into()],
    };
    let c = ValidationContext { totp_config_names: Some(vec!["Default".into()]), ..ctx() };
    assert_eq!(
        u.validate(&c).unwrap_err().to_string(),
        r#"user "alice": filters.totp_config.config_name: TOTP configuration "Other" not found"#
    );
    u.filters.totp_config.config_name = "Default".into();
    u.filters.totp_config.protocols = vec!["DAV".into()];
    assert_eq!(
        u.validate(&c).unwrap_err().to_string(),
        r#"user "alice": filters.totp_config.protocols[0]: invalid protocol "DAV""#
    );
    u.filters.totp_config.protocols = vec!["SSH".into()];
    u.filters.web_client = vec!["mfa-disabled".into()];
    assert_eq!(
        u.validate(&c).unwrap_err().to_string(),
        r#"user "alice": filters.web_client: two-factor authentication cannot be disabled for a user with an active configuration"#
    );
    // A disabled TOTP configuration is cleared.
    let mut u = user();
    u.filters.totp_config = user::UserTotpConfig { config_name: "x".into(), ..Default::default() };
    u.validate(&ctx()).unwrap();
    assert_eq!(u.filters.totp_config, user::UserTotpConfig::default());
    let mut u = user();
    u.filters.totp_config.secret = Secret::plain("s").redacted();
    assert_eq!(user_err(&mut u), r#"user "alice": filters.totp_config.secret: cannot save a redacted secret"#);
}

#[test]
fn filesystem_rules() {
    let check = |fs: &str, want: &str| {
        let mut u = user();
        u.filesystem = parse(fs);
        assert_eq!(user_err(&mut u), want, "{fs}");
    };
    check(
        r#"{"provider": 1, "s3config": {"region": "r"}}"#,
        r#"user "alice": filesystem.s3config.bucket: is mandatory"#,
    );
    check(
        r#"{"provider": 1, "s3config": {"bucket": "b"}}"#,
        r#"user "alice": filesystem.s3config.region: is mandatory when no endpoint is set"#,
    );
    check(
        r#"{"provider": 1, "s3config": {"bucket": "b", "region": "r", "access_key": "k"}}"#,
        r#"user "alice": filesystem.s3config.access_secret: is mandatory when access_key is set"#,
    );
    check(
        r#"{"provider": 1, "s3config": {"bucket": "b", "region": "r", "key_prefix": "/abs"}}"#,
        r#"user "alice": filesystem.s3config.key_prefix: cannot start with "/""#,
    );
    check(
        r#"{"provider": 1, "s3config": {"bucket": "b", "region": "r", "upload_part_size": 3}}"#,
        r#"user "alice": filesystem.s3config.upload_part_size: must be 0 or between 5 and 2000 (MB)"#,
    );
    check(
        r#"{"provider": 1, "s3config": {"bucket": "b", "region": "r", "access_key": "k", "access_secret": {"status": "Redacted"}}}"#,
        r#"user "alice": filesystem.s3config.access_secret: cannot save a redacted secret"#,
    );
    check(
        r#"{"provider": 2, "gcsconfig": {"bucket": "b"}}"#,
        r#"user "alice": filesystem.gcsconfig.credentials: is mandatory without automatic credentials"#,
    );
    check(
        r#"{"provider": 3, "azblobconfig": {"container": "c", "account_name": "a", "access_tier": "Frozen"}}"#,
        r#"user "alice": filesystem.azblobconfig.access_tier: invalid access tier "Frozen", valid values: "", Archive, Hot, Cool"#,
    );
    check(
        r#"{"provider": 3, "azblobconfig": {"account_name": "a"}}"#,
        r#"user "alice": filesystem.azblobconfig.container: is mandatory without a SAS URL"#,
    );
    check(r#"{"provider": 4, "cryptconfig": {}}"#, r#"user "alice": filesystem.cryptconfig.passphrase: is mandatory"#);
    check(
        r#"{"provider": 4, "cryptconfig": {"passphrase": {"status": "Plain", "payload": "p"}, "read_buffer_size": 11}}"#,
        r#"user "alice": filesystem.cryptconfig.read_buffer_size: invalid value 11, the valid range is 0-10"#,
    );
    check(
        r#"{"provider": 5, "sftpconfig": {"username": "u"}}"#,
        r#"user "alice": filesystem.sftpconfig.endpoint: is mandatory"#,
    );
    check(
        r#"{"provider": 5, "sftpconfig": {"endpoint": "h:notaport", "username": "u", "password": {"status": "Plain", "payload": "p"}}}"#,
        r#"user "alice": filesystem.sftpconfig.endpoint: invalid port "notaport""#,
    );
    check(
        r#"{"provider": 5, "sftpconfig": {"endpoint": "h", "username": "u"}}"#,
        r#"user "alice": filesystem.sftpconfig.password: a password or a private key is mandatory"#,
    );
    check(
        r#"{"provider": 6, "httpconfig": {"endpoint": "ftp://x"}}"#,
        r#"user "alice": filesystem.httpconfig.endpoint: must be an http or https URL"#,
    );
    check(
        r#"{"provider": 0, "osconfig": {"write_buffer_size": -1}}"#,
        r#"user "alice": filesystem.osconfig.write_buffer_size: invalid value -1, the valid range is 0-10"#,
    );
}

#[test]
fn every_provider_validates_and_is_normalised() {
    for text in [FS_LOCAL, FS_S3, FS_GCS, FS_AZURE, FS_CRYPT, FS_SFTP, FS_HTTP] {
        let mut u = user();
        u.filesystem = parse(text);
        u.validate(&ctx()).unwrap_or_else(|e| panic!("{text}: {e}"));
        // Only the selected provider's configuration survives.
        let fs = &u.filesystem;
        let others_empty = [
            (fs.provider == FsProvider::Local) || fs.osconfig == Default::default(),
            (fs.provider == FsProvider::S3) || fs.s3config == Default::default(),
            (fs.provider == FsProvider::Gcs) || fs.gcsconfig == Default::default(),
            (fs.provider == FsProvider::AzureBlob) || fs.azblobconfig == Default::default(),
            (fs.provider == FsProvider::Crypt) || fs.cryptconfig == Default::default(),
            (fs.provider == FsProvider::Sftp) || fs.sftpconfig == Default::default(),
            (fs.provider == FsProvider::Http) || fs.httpconfig == Default::default(),
        ];
        assert!(others_empty.iter().all(|b| *b), "{text}");
    }
    let mut u = user();
    u.filesystem = parse(FS_S3);
    u.validate(&ctx()).unwrap();
    assert_eq!(u.filesystem.s3config.key_prefix, "users/alice/");
    assert_eq!(u.filesystem.s3config.storage_class, "STANDARD");
    u.filesystem = parse(FS_SFTP);
    u.validate(&ctx()).unwrap();
    assert_eq!(u.filesystem.sftpconfig.endpoint, "sftp.example.com:22");
    assert_eq!(u.filesystem.sftpconfig.prefix, "/data");
    u.filesystem = parse(FS_HTTP);
    u.validate(&ctx()).unwrap();
    assert_eq!(u.filesystem.httpconfig.endpoint, "https://httpfs.example.com/api/v1");
    u.filesystem = parse(
        r#"{"provider": 2, "gcsconfig": {"bucket": "b", "automatic_credentials": 1, "credentials": {"status": "Plain", "payload": "x"}}}"#,
    );
    u.validate(&ctx()).unwrap();
    assert!(u.filesystem.gcsconfig.credentials.is_unset(), "ADC drops explicit credentials");
}

#[test]
fn folder_rules() {
    let mut f: Folder = parse(FOLDER);
    f.validate(&ctx()).unwrap();
    assert!(f.users.is_empty() && f.groups.is_empty());
    let mut f = Folder { name: "f".into(), mapped_path: "data".into(), ..Default::default() };
    assert_eq!(f.validate(&ctx()).unwrap_err().to_string(), r#"folder "f": mapped_path: must be an absolute path"#);
    let mut f = Folder { name: "f".into(), ..Default::default() };
    assert_eq!(f.validate(&ctx()).unwrap_err().to_string(), r#"folder "f": mapped_path: must be an absolute path"#);
    let mut f = Folder { name: "".into(), mapped_path: "/x".into(), ..Default::default() };
    assert_eq!(f.validate(&ctx()).unwrap_err().to_string(), r#"folder "": name: is mandatory"#);
    let mut f = Folder { name: "f".into(), mapped_path: "/a/b/../c/".into(), ..Default::default() };
    f.validate(&ctx()).unwrap();
    assert_eq!(f.mapped_path, "/a/c");
}

#[test]
fn group_rules() {
    let mut g: Group = parse(GROUP);
    g.user_settings.filters.totp_config.enabled = true;
    g.user_settings.filters.user_type = "OSUser".into();
    g.user_settings.total_data_transfer = 5;
    g.user_settings.upload_data_transfer = 3;
    g.validate(&ctx()).unwrap();
    assert!(g.users.is_empty() && g.admins.is_empty());
    assert_eq!(g.user_settings.filters.totp_config, Default::default(), "user-only filters cleared");
    assert_eq!(g.user_settings.filters.user_type, "");
    assert_eq!(g.user_settings.upload_data_transfer, 0);
    // Groups need no "/" permission.
    let mut g = Group { name: "g".into(), ..Default::default() };
    g.user_settings.permissions = perms(&[("/x", &["list"])]);
    g.validate(&ctx()).unwrap();
    let mut g = Group { name: "g".into(), ..Default::default() };
    g.user_settings.home_dir = "rel".into();
    assert_eq!(
        g.validate(&ctx()).unwrap_err().to_string(),
        r#"group "g": user_settings.home_dir: must be an absolute path"#
    );
    let mut g = Group { name: "g".into(), ..Default::default() };
    g.user_settings.filters.allowed_ip = vec!["nope".into()];
    assert_eq!(
        g.validate(&ctx()).unwrap_err().to_string(),
        r#"group "g": user_settings.filters.allowed_ip[0]: "nope" is not a valid network in CIDR notation"#
    );
}

#[test]
fn admin_rules() {
    let mut a: Admin = parse(ADMIN);
    a.validate(&ctx()).unwrap();
    let base = || Admin {
        username: "root".into(),
        password: " secret ".into(),
        permissions: vec!["*".into(), "view_users".into()],
        ..Default::default()
    };
    let mut a = base();
    a.validate(&ctx()).unwrap();
    assert_eq!(a.permissions, vec!["*"]);
    assert_eq!(a.password, "secret");
    let mut a = base();
    a.role = "eu".into();
    assert_eq!(
        a.validate(&ctx()).unwrap_err().to_string(),
        r#"admin "root": permissions: a role admin cannot be a super admin"#
    );
    let mut a = base();
    a.permissions = vec!["fly".into()];
    assert_eq!(
        a.validate(&ctx()).unwrap_err().to_string(),
        r#"admin "root": permissions[0]: invalid permission "fly""#
    );
    let mut a = base();
    a.permissions.clear();
    assert_eq!(
        a.validate(&ctx()).unwrap_err().to_string(),
        r#"admin "root": permissions: please grant some permissions to this admin"#
    );
    let mut a = base();
    a.password = "  ".into();
    assert_eq!(a.validate(&ctx()).unwrap_err().to_string(), r#"admin "root": password: is mandatory"#);
    let mut a = base();
    a.username = "__self__".into();
    assert_eq!(a.validate(&ctx()).unwrap_err().to_string(), r#"admin "__self__": username: this username is reserved"#);
    let mut a = base();
    a.filters.allow_list = vec!["1.2.3.4".into()];
    assert_eq!(
        a.validate(&ctx()).unwrap_err().to_string(),
        r#"admin "root": filters.allow_list[0]: "1.2.3.4" is not a valid network in CIDR notation"#
    );
    let mut a = base();
    a.groups = vec![
        AdminGroupMapping {
            name: "a".into(),
            options: admin::AdminGroupMappingOptions { add_to_users_as: AddToUsersAs::Primary },
        },
        AdminGroupMapping {
            name: "b".into(),
            options: admin::AdminGroupMappingOptions { add_to_users_as: AddToUsersAs::Primary },
        },
    ];
    assert_eq!(
        a.validate(&ctx()).unwrap_err().to_string(),
        r#"admin "root": groups[1]: only one primary group is allowed"#
    );
}

#[test]
fn api_key_rules() {
    let mut k: ApiKey = parse(API_KEY);
    k.admin = "root".into();
    assert_eq!(
        k.validate(&ctx()).unwrap_err().to_string(),
        r#"API key "JQq4DF1UsRDHZk6MWbpVBg": user: an API key can be bound to a user or to an admin, not both"#
    );
    let mut k = ApiKey::new("id1", "n", ApiKeyScope::Admin);
    k.user = "alice".into();
    k.validate(&ctx()).unwrap();
    assert_eq!(k.user, "", "admin scope drops the user");
    let mut k = ApiKey::new("", "n", ApiKeyScope::User);
    assert_eq!(k.validate(&ctx()).unwrap_err().to_string(), r#"API key "": id: is mandatory"#);
}

#[test]
fn share_rules() {
    let mut s: Share = parse(SHARE);
    s.validate(&ValidationContext { now_ms: Some(1_800_000_000_000), ..ctx() }).unwrap();
    let base = || Share::new("sid", "n", ShareScope::Read, "alice", vec!["/a".into()]);
    let err = |s: &mut Share, c: &ValidationContext| s.validate(c).unwrap_err().to_string();
    let mut s = base();
    s.paths = vec!["  ".into()];
    assert_eq!(err(&mut s, &ctx()), r#"share "sid": paths: at least one shared path is required"#);
    let mut s = base();
    s.scope = ShareScope::Write;
    s.paths = vec!["/a".into(), "/b".into()];
    assert_eq!(err(&mut s, &ctx()), r#"share "sid": paths: write scopes require exactly one path"#);
    let mut s = base();
    s.paths = vec!["/a".into(), "/a/b".into()];
    assert_eq!(err(&mut s, &ctx()), r#"share "sid": paths: shared paths cannot be nested"#);
    let mut s = base();
    s.paths = vec!["a/../b".into(), "/b/".into(), "/c".into()];
    s.validate(&ctx()).unwrap();
    assert_eq!(s.paths, vec!["/b", "/c"]);
    let mut s = base();
    s.expires_at = 1000;
    assert_eq!(
        err(&mut s, &ValidationContext { now_ms: Some(2000), ..ctx() }),
        r#"share "sid": expires_at: the expiration must be in the future"#
    );
    s.validate(&ctx()).unwrap();
    let mut s = base();
    s.password = share::REDACTED_SHARE_PASSWORD.into();
    assert_eq!(err(&mut s, &ctx()), r#"share "sid": password: cannot save a redacted password"#);
    let mut s = base();
    s.expires_at = -5;
    s.validate(&ctx()).unwrap();
    assert_eq!(s.expires_at, 0);
}

#[test]
fn ip_list_entry_rules() {
    let check = |ipornet: &str, t: IpListType, want: &str| {
        let mut e = IpListEntry::new(ipornet, t, IpListMode::Allow);
        e.validate(&ctx()).unwrap();
        assert_eq!(e.ipornet, want);
    };
    check("192.0.2.7", IpListType::AllowList, "192.0.2.7/32");
    check("2001:db8::1", IpListType::AllowList, "2001:db8::1/128");
    check("::ffff:192.0.2.7", IpListType::AllowList, "192.0.2.7/32");
    check("::ffff:192.0.2.7/120", IpListType::Defender, "192.0.2.0/24");
    check("192.0.2.7/24", IpListType::Defender, "192.0.2.7/24");
    let mut e = IpListEntry::new("192.0.2.0/24", IpListType::AllowList, IpListMode::Deny);
    assert_eq!(
        e.validate(&ctx()).unwrap_err().to_string(),
        r#"IP list entry "192.0.2.0/24": mode: the deny mode is only supported for the defender list"#
    );
    let mut e = IpListEntry::new("300.1.1.1", IpListType::Defender, IpListMode::Deny);
    assert_eq!(
        e.validate(&ctx()).unwrap_err().to_string(),
        r#"IP list entry "300.1.1.1": ipornet: invalid IP "300.1.1.1""#
    );
    let mut e = IpListEntry::new("10.0.0.0/33", IpListType::Defender, IpListMode::Deny);
    assert_eq!(
        e.validate(&ctx()).unwrap_err().to_string(),
        r#"IP list entry "10.0.0.0/33": ipornet: invalid network "10.0.0.0/33""#
    );
    let mut e = IpListEntry::new("10.0.0.0/8", IpListType::RateLimiterSafeList, IpListMode::Allow);
    e.protocols = 15;
    e.validate(&ctx()).unwrap();
    assert_eq!(e.protocols, 0, "all protocols is stored as 0");
}

#[test]
fn role_rules() {
    let mut r: Role = parse(ROLE);
    r.validate(&ctx()).unwrap();
    assert!(r.users.is_empty() && r.admins.is_empty());
    let mut r = Role { name: "a b".into(), ..Default::default() };
    r.validate(&ValidationContext { naming_rules: NamingRules(0), ..ctx() }).unwrap_err();
}

#[test]
fn event_action_rules() {
    let mut a: EventAction = parse(ACTION_HTTP);
    a.options.cmd_config.cmd = "/bin/true".into();
    a.validate(&ctx()).unwrap();
    assert!(a.rules.is_empty());
    assert_eq!(a.options.cmd_config, Default::default(), "other action types' options are reset");

    let err = |a: &mut EventAction| a.validate(&ctx()).unwrap_err().to_string();
    let mut a: EventAction = parse(ACTION_HTTP);
    a.options.http_config.timeout = 0;
    assert_eq!(
        err(&mut a),
        r#"event action "notify": options.http_config.timeout: invalid timeout 0, the valid range is 1-180"#
    );
    let mut a: EventAction = parse(ACTION_HTTP);
    a.options.http_config.method = "PATCH".into();
    assert_eq!(err(&mut a), r#"event action "notify": options.http_config.method: unsupported HTTP method "PATCH""#);
    let mut a: EventAction = parse(ACTION_HTTP);
    a.options.http_config.endpoint = "hooks.example.com".into();
    assert_eq!(err(&mut a), r#"event action "notify": options.http_config.endpoint: must be an http or https URL"#);

    let mut a = EventAction::new("cmd", ActionType::Command);
    a.options.cmd_config = event::CommandConfig {
        cmd: "/usr/bin/env".into(),
        timeout: 10,
        args: vec![" a ".into(), "a".into()],
        ..Default::default()
    };
    a.validate(&ctx()).unwrap();
    assert_eq!(a.options.cmd_config.args, vec!["a"]);
    let c = ValidationContext { allowed_action_commands: Some(vec!["/bin/true".into()]), ..ctx() };
    assert_eq!(
        a.validate(&c).unwrap_err().to_string(),
        r#"event action "cmd": options.cmd_config.cmd: command "/usr/bin/env" is not allowed"#
    );
    a.options.cmd_config.cmd = "env".into();
    assert_eq!(err(&mut a), r#"event action "cmd": options.cmd_config.cmd: must be an absolute path"#);

    let mut a = EventAction::new("mail", ActionType::Email);
    a.options.email_config.recipients = vec!["ops@example.com".into()];
    a.options.email_config.subject = "s".into();
    assert_eq!(err(&mut a), r#"event action "mail": options.email_config.body: is mandatory"#);

    let mut a = EventAction::new("ret", ActionType::DataRetentionCheck);
    a.options.retention_config.folders =
        vec![event::FolderRetention { path: "/x".into(), retention: 0, delete_empty_dirs: false }];
    assert_eq!(
        err(&mut a),
        r#"event action "ret": options.retention_config.folders: nothing to delete: set a retention for at least one folder"#
    );

    let mut a: EventAction = parse(ACTION_FS);
    a.validate(&ctx()).unwrap();
    assert_eq!(a.options.fs_config.renames[0].key, "/{{.VirtualPath}}");
    let mut a = EventAction::new("fs", ActionType::Filesystem);
    a.options.fs_config.action_type = 7;
    assert_eq!(err(&mut a), r#"event action "fs": options.fs_config.type: invalid filesystem action type 7"#);
    a.options.fs_config.action_type = event::FS_ACTION_COPY;
    a.options.fs_config.copy = vec![event::KeyValue { key: "/a/".into(), value: "/a".into() }];
    assert_eq!(err(&mut a), r#"event action "fs": options.fs_config.copy[0]: copy source and target cannot be equal"#);
    a.options.fs_config.copy = vec![event::KeyValue { key: "/a/".into(), value: "b/".into() }];
    a.validate(&ctx()).unwrap();
    assert_eq!(a.options.fs_config.copy[0], event::KeyValue { key: "/a/".into(), value: "/b/".into() });

    let mut a = EventAction::new("inactive", ActionType::UserInactivityCheck);
    a.options.user_inactivity_config = event::UserInactivityConfig { disable_threshold: 10, delete_threshold: 5 };
    assert_eq!(
        err(&mut a),
        r#"event action "inactive": options.user_inactivity_config.delete_threshold: the deletion threshold 5 must be greater than the deactivation threshold 10"#
    );
    let mut a = EventAction::new("backup", ActionType::Backup);
    a.options.http_config.endpoint = "https://x".into();
    a.validate(&ctx()).unwrap();
    assert_eq!(a.options, ActionOptions::default());
}

#[test]
fn event_rule_rules() {
    let mut r: EventRule = parse(RULE);
    r.validate(&ctx()).unwrap();
    assert_eq!(r.actions[0].action_type, None, "embedded action details are dropped");
    assert_eq!(r.actions[0].name, "notify");

    let err = |r: &mut EventRule| r.validate(&ctx()).unwrap_err().to_string();
    let mut r: EventRule = parse(RULE);
    r.conditions.fs_events.push("download".into());
    assert_eq!(
        err(&mut r),
        r#"event rule "on-upload": actions[0].relation_options: synchronous execution is only supported for upload and pre-* events"#
    );
    let mut r: EventRule = parse(RULE);
    r.conditions.fs_events = vec!["pre-upload".into()];
    r.actions[0].relation_options.execute_sync = false;
    assert_eq!(
        err(&mut r),
        r#"event rule "on-upload": actions: the event "pre-upload" requires at least one synchronous action"#
    );
    let mut r: EventRule = parse(RULE);
    r.actions[1].order = 1;
    assert_eq!(
        err(&mut r),
        r#"event rule "on-upload": actions[1].order: duplicated order 1 for action "archive-upload""#
    );
    let mut r: EventRule = parse(RULE);
    for a in &mut r.actions {
        a.relation_options = event::RelationOptions { is_failure_action: true, ..Default::default() };
    }
    assert_eq!(err(&mut r), r#"event rule "on-upload": actions: at least one non-failure action is required"#);
    let mut r: EventRule = parse(RULE);
    r.actions[1].relation_options.is_failure_action = true;
    r.actions[1].relation_options.execute_sync = true;
    assert_eq!(
        err(&mut r),
        r#"event rule "on-upload": actions[1].relation_options: failure actions cannot be executed synchronously"#
    );
    let mut r: EventRule = parse(RULE);
    r.conditions.fs_events = vec!["upload".into(), "teleport".into()];
    assert_eq!(
        err(&mut r),
        r#"event rule "on-upload": conditions.fs_events[1]: unsupported filesystem event "teleport""#
    );
    let mut r: EventRule = parse(RULE);
    r.conditions.options.names[0].pattern = "[".into();
    assert_eq!(err(&mut r), r#"event rule "on-upload": conditions.options.names[0].pattern: invalid pattern "[""#);
    let mut r: EventRule = parse(RULE);
    r.conditions.options.max_size = 5;
    assert_eq!(
        err(&mut r),
        r#"event rule "on-upload": conditions.options.max_size: 5 must be greater than min_size (10)"#
    );

    // Sync actions are refused for provider events; options of other triggers are cleared.
    let mut r = EventRule::new("prov", Trigger::ProviderEvent);
    r.conditions.provider_events = vec!["add".into()];
    r.conditions.fs_events = vec!["upload".into()];
    r.conditions.options.protocols = vec!["SFTP".into()];
    r.actions = vec![RuleAction::new("a", 1)];
    r.validate(&ctx()).unwrap();
    assert!(r.conditions.fs_events.is_empty() && r.conditions.options.protocols.is_empty());
    r.actions[0].relation_options.execute_sync = true;
    assert_eq!(
        err(&mut r),
        r#"event rule "prov": actions[0].relation_options: synchronous execution is only supported for some filesystem events and identity provider logins"#
    );

    let mut r: EventRule = parse(RULE_SCHEDULE);
    r.conditions.options.concurrent_execution = true;
    r.validate(&ctx()).unwrap();
    assert!(!r.conditions.options.concurrent_execution, "only kept for shared providers");
    r.conditions.schedules[0].hour = "25".into();
    assert!(err(&mut r).starts_with(r#"event rule "nightly": conditions.schedules[0]: invalid schedule (hour "25""#));
    r.conditions.schedules.clear();
    assert_eq!(err(&mut r), r#"event rule "nightly": conditions.schedules: at least one schedule is required"#);
    let mut r: EventRule = parse(RULE_SCHEDULE);
    r.status = 3;
    assert_eq!(err(&mut r), r#"event rule "nightly": status: invalid status 3, it must be 0 or 1"#);
}

#[test]
fn cron_fields() {
    use wharf_model::validate::{CronField, validate_cron_field};
    for (v, k) in [
        ("*", CronField::Hour),
        ("*/2", CronField::Hour),
        ("0-23/6", CronField::Hour),
        ("1,15,31", CronField::DayOfMonth),
        ("?", CronField::DayOfWeek),
        ("mon-fri", CronField::DayOfWeek),
        ("JAN,jul", CronField::Month),
        ("5/15", CronField::DayOfMonth),
    ] {
        assert!(validate_cron_field(v, k).is_ok(), "{v}");
    }
    for (v, k) in [
        ("24", CronField::Hour),
        ("", CronField::Hour),
        ("0", CronField::DayOfMonth),
        ("13", CronField::Month),
        ("7", CronField::DayOfWeek),
        ("*/0", CronField::Hour),
        ("5-1", CronField::Hour),
        ("?", CronField::Hour),
        ("x", CronField::Month),
    ] {
        assert!(validate_cron_field(v, k).is_err(), "{v}");
    }
}

#[test]
fn configs_rules() {
    let mut c: Configs = parse(CONFIGS);
    c.validate(&ctx()).unwrap();
    let err = |c: &mut Configs| c.validate(&ctx()).unwrap_err().to_string();
    let mut c: Configs = parse(r#"{"sftpd": {"host_key_algos": ["ssh-rsa-cert-v01@openssh.com", "ssh-ed448"]}}"#);
    assert_eq!(
        err(&mut c),
        r#"configs "configs": sftpd.host_key_algos[0]: unsupported host key algorithm "ssh-ed448""#
    );
    let mut c: Configs =
        parse(r#"{"sftpd": {"kex_algorithms": ["diffie-hellman-group18-sha512", "diffie-hellman-group1-sha1"]}}"#);
    c.validate(&ctx()).unwrap();
    assert_eq!(c.sftpd.unwrap().kex_algorithms, vec!["diffie-hellman-group1-sha1"]);
    let mut c: Configs = parse(r#"{"smtp": {"host": "h", "port": 0}}"#);
    assert_eq!(err(&mut c), r#"configs "configs": smtp.port: invalid port 0"#);
    let mut c: Configs = parse(r#"{"smtp": {"host": "h", "port": 25}}"#);
    assert_eq!(err(&mut c), r#"configs "configs": smtp.from: the from address and the user cannot both be empty"#);
    let mut c: Configs =
        parse(r#"{"smtp": {"host": "h", "port": 25, "user": "u", "auth_type": 3, "oauth2": {"client_id": "id"}}}"#);
    assert_eq!(err(&mut c), r#"configs "configs": smtp.oauth2.client_secret: is mandatory"#);
    let mut c: Configs =
        parse(r#"{"acme": {"domain": "d", "email": "e@example.com", "http01_challenge": {"port": 0}}}"#);
    assert_eq!(err(&mut c), r#"configs "configs": acme.http01_challenge.port: invalid port 0"#);
    let mut c: Configs = parse(r#"{"branding": {"WebClient": {"disclaimer_url": "javascript:alert(1)"}}}"#);
    assert_eq!(err(&mut c), r#"configs "configs": branding.WebClient.disclaimer_url: must be an http or https URL"#);
    let mut c: Configs = parse(r#"{"branding": {"WebAdmin": {"logo": "aGVsbG8="}}}"#);
    assert_eq!(err(&mut c), r#"configs "configs": branding.WebAdmin.logo: invalid PNG image"#);
}

#[test]
fn failed_validation_keeps_the_input_options() {
    let mut a = EventAction::new("fs", ActionType::Filesystem);
    a.options.fs_config.action_type = event::FS_ACTION_DELETE;
    a.options.fs_config.deletes = vec!["/a".into(), "  ".into()];
    a.validate(&ctx()).unwrap_err();
    assert_eq!(a.options.fs_config.deletes, vec!["/a", "  "], "nothing is lost on error");
    let mut a: EventAction = parse(ACTION_HTTP);
    a.options.http_config.timeout = 0;
    a.validate(&ctx()).unwrap_err();
    assert_eq!(a.options.http_config.endpoint, "https://hooks.example.com/sftpgo");
}
