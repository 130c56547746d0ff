//! Integration tests of the object model: SFTPGo-shaped fixtures, round trips, validation,
//! permissions and group inheritance.

mod fixtures;
mod roundtrip;
