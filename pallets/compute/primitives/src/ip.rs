//! Addresses of the IP pool.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::fmt;
use scale_info::TypeInfo;
use serde::{Deserialize, Serialize};

/// An IPv4 or IPv6 address; typed, so a malformed address cannot be stored.
///
/// In genesis JSON: `{"v4":[192,0,2,10]}` or `{"v6":[32,1,13,184,0,0,0,0,0,0,0,0,0,0,0,1]}`.
/// [`fmt::Display`] gives the usual text form (`192.0.2.10`, `2001:db8::1`).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
	Serialize,
	Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum IpAddress {
	/// IPv4 address, network byte order.
	V4([u8; 4]),
	/// IPv6 address, network byte order.
	V6([u8; 16]),
}

impl fmt::Display for IpAddress {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::V4(octets) => core::net::Ipv4Addr::from(*octets).fmt(f),
			Self::V6(octets) => core::net::Ipv6Addr::from(*octets).fmt(f),
		}
	}
}

impl From<core::net::IpAddr> for IpAddress {
	fn from(ip: core::net::IpAddr) -> Self {
		match ip {
			core::net::IpAddr::V4(v4) => Self::V4(v4.octets()),
			core::net::IpAddr::V6(v6) => Self::V6(v6.octets()),
		}
	}
}

impl From<IpAddress> for core::net::IpAddr {
	fn from(ip: IpAddress) -> Self {
		match ip {
			IpAddress::V4(octets) => Self::from(octets),
			IpAddress::V6(octets) => Self::from(octets),
		}
	}
}
