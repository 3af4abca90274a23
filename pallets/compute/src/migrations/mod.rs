//! Storage migrations of the pallet, one module per storage version they reach.
//!
//! Each is a [`frame_support::migrations::VersionedMigration`]: it runs once, only on a chain
//! at the version it starts from, and sets the new version. The runtime lists the ones it
//! needs in its `Executive`'s migrations.

pub mod v4;
pub mod v5;
