//! One module per command.

pub mod generate;
pub mod loaddata;
pub mod ping;
pub mod provider;
pub mod resetpwd;
pub mod serve;
pub mod startsubsys;
