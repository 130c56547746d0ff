//! Object keys, kinds and references.

use wharf_model::json::from_slice;
use wharf_model::*;

use crate::fixtures::*;

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> T {
    from_slice(text.as_bytes(), 1 << 20).unwrap()
}

#[test]
fn keys_and_references() {
    let u: User = parse(&with_keys(USER_S3));
    assert_eq!(<User as Object>::KIND, Kind::User);
    assert_eq!(u.key(), "alice");
    assert_eq!(
        u.references(),
        vec![
            (Kind::Folder, "shared".to_string()),
            (Kind::Group, "staff".to_string()),
            (Kind::Group, "readers".to_string()),
            (Kind::Group, "all".to_string()),
            (Kind::Role, "eu".to_string()),
        ]
    );
    let g: Group = parse(GROUP);
    assert_eq!(g.references(), vec![(Kind::Folder, "shared".to_string())]);
    let a: Admin = parse(ADMIN);
    assert_eq!(
        a.references(),
        vec![(Kind::Group, "staff".to_string()), (Kind::Group, "readers".to_string()), (Kind::Role, "eu".to_string())]
    );
    let k: ApiKey = parse(API_KEY);
    assert_eq!(k.key(), "JQq4DF1UsRDHZk6MWbpVBg");
    assert_eq!(k.references(), vec![(Kind::User, "alice".to_string())]);
    let s: Share = parse(SHARE);
    assert_eq!(s.key(), "3tvTaA9LrjDhGqN5Bxe8Qm");
    assert_eq!(s.references(), vec![(Kind::User, "alice".to_string())]);
    let r: EventRule = parse(RULE);
    assert_eq!(
        r.references(),
        vec![(Kind::EventAction, "notify".to_string()), (Kind::EventAction, "archive-upload".to_string())]
    );
    let ip: IpListEntry = parse(IP_ENTRY);
    assert_eq!(ip.key(), "2/203.0.113.0/24");
    assert_eq!(IpListEntry::parse_key("2/203.0.113.0/24"), Some((IpListType::Defender, "203.0.113.0/24")));
    assert_eq!(IpListEntry::parse_key("9/x"), None);
    let c: Configs = parse(CONFIGS);
    assert_eq!(c.key(), CONFIGS_KEY);
    let f: Folder = parse(FOLDER);
    assert!(f.references().is_empty());
    assert_eq!(f.key(), "archive");
}

#[test]
fn ids() {
    let mut k = ApiKey::new("kid", "n", ApiKeyScope::Admin);
    k.set_id(9);
    assert_eq!(k.id(), 9);
    assert!(!serde_json::to_string(&k).unwrap().contains('9'), "the database id stays out of JSON");
    let mut u = User::default();
    u.set_id(3);
    assert_eq!(Object::id(&u), 3);
}

#[test]
fn kind_names() {
    assert_eq!(Kind::ApiKey.dump_key(), "api_keys");
    assert_eq!(Kind::ApiKey.object_type(), "api_key");
    assert_eq!(Kind::IpListEntry.to_string(), "IP list entry");
    assert_eq!(Kind::EventRule.dump_key(), "event_rules");
}

#[test]
fn password_hash_predicates() {
    let mut u = User { password: "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq".into(), ..Default::default() };
    assert!(u.has_password_hash());
    u.password = "$2y$10$abc".into();
    assert!(!u.has_password_hash(), "only $2a$ is recognised");
    let mut a: Admin = parse(ADMIN);
    assert!(a.has_password_hash());
    a.password = "$6$salt$hash".into();
    assert!(!a.has_password_hash(), "admins accept only bcrypt and argon2id hashes");
    let k: ApiKey = parse(API_KEY);
    assert!(k.has_key_hash());
}
