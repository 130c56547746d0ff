//! Hand-written SFTPGo-shaped JSON fixtures (not captured from SFTPGo).
