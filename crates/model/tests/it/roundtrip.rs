//! JSON round trips.

use wharf_model::User;

#[test]
fn minimal_user_parses() {
    let u: User = wharf_model::json::from_slice(br#"{"username":"alice","status":1}"#, 1024).unwrap();
    assert_eq!(u.username, "alice");
    assert_eq!(u.status, 1);
}
