//! The synthetic address plan of the sim server.
//!
//! Workers talk to the server with bare datagrams (the aggregation header and lanes); the card
//! sees whole Ethernet/IPv4/UDP frames. The server writes and reads those headers with this plan:
//!
//! | who | IPv4 | MAC |
//! |---|---|---|
//! | worker `w` of tenant `t` | `10.t.w.2` | `02:00:0a:t:w:02` |
//! | the PS host | `10.0.0.1` | `02:00:0a:00:00:01` |
//!
//! (`t` and `w` are the header's tenant and worker bytes, in decimal in the address.) Both UDP
//! ports of a synthetic frame are the card's `UDP_PORT` register. These addresses only ever appear
//! inside frames: the server never sends anything to them.
//!
//! A worker datagram becomes the frame [`update_addressing`] gives, from the worker to the PS host.
//! A frame the card sends to the network goes to the worker its destination IPv4 address names
//! ([`worker_of_ip`]; the UDP ports are not looked at), as bytes 42.. of the frame. The PS
//! addresses RESULTs to workers with [`result_addressing`] and its FLUSH and RELEASE frames with
//! [`ps_control_addressing`].

use aggnic_spec::wire::{self, Addressing, ETH_LEN, HEADER_OFFSET, IPV4_LEN, frame};

/// IPv4 address of the PS host.
pub const PS_IP: [u8; 4] = [10, 0, 0, 1];
/// MAC address of the PS host.
pub const PS_MAC: [u8; 6] = [0x02, 0, 10, 0, 0, 1];

/// IPv4 address of worker `worker` of tenant `tenant`: `10.tenant.worker.2`.
pub fn worker_ip(tenant: u8, worker: u8) -> [u8; 4] {
    [10, tenant, worker, 2]
}

/// MAC address of worker `worker` of tenant `tenant`: `02:00:0a:tenant:worker:02`.
pub fn worker_mac(tenant: u8, worker: u8) -> [u8; 6] {
    [0x02, 0, 10, tenant, worker, 2]
}

/// The (tenant, worker) whose address `ip` is, if it is a worker's address in the plan.
pub fn worker_of_ip(ip: [u8; 4]) -> Option<(u8, u8)> {
    (ip[0] == 10 && ip[3] == 2).then_some((ip[1], ip[2]))
}

/// Addressing of a frame from worker (`tenant`, `worker`) to the PS host on `port`: what the
/// server writes in front of that worker's datagrams.
pub fn update_addressing(tenant: u8, worker: u8, port: u16) -> Addressing {
    Addressing {
        eth_dst: PS_MAC,
        eth_src: worker_mac(tenant, worker),
        ip_tos: 0,
        ip_id: 0,
        ip_ttl: 64,
        ip_src: worker_ip(tenant, worker),
        ip_dst: PS_IP,
        udp_src: port,
        udp_dst: port,
    }
}

/// Addressing of a frame from the PS host to worker (`tenant`, `worker`) on `port`: what the PS
/// puts on the RESULTs it sends that worker (`aggnic_proto::Endpoint::addr`).
pub fn result_addressing(tenant: u8, worker: u8, port: u16) -> Addressing {
    Addressing {
        eth_dst: worker_mac(tenant, worker),
        eth_src: PS_MAC,
        ip_src: PS_IP,
        ip_dst: worker_ip(tenant, worker),
        ..update_addressing(tenant, worker, port)
    }
}

/// Addressing of the FLUSH and RELEASE frames the PS sends its card, from and to the PS host
/// (`aggnic_proto::PsConfig::control_addr`), so PARTIALs come back to the PS.
pub fn ps_control_addressing(port: u16) -> Addressing {
    Addressing {
        eth_dst: PS_MAC,
        eth_src: PS_MAC,
        ip_tos: 0,
        ip_id: 0,
        ip_ttl: 64,
        ip_src: PS_IP,
        ip_dst: PS_IP,
        udp_src: port,
        udp_dst: port,
    }
}

/// Most bytes of UDP payload a synthetic frame can carry (the IPv4 total length is 16 bits).
pub const MAX_DATAGRAM: usize = 65535 - IPV4_LEN - wire::UDP_LEN;

/// A whole frame: Ethernet, IPv4 (checksum included) and UDP headers from `addr`, lengths from
/// `payload`, then `payload` (the bytes a UDP socket carries). `None` if the payload is longer
/// than [`MAX_DATAGRAM`].
pub fn wrap(addr: &Addressing, payload: &[u8]) -> Option<Vec<u8>> {
    if payload.len() > MAX_DATAGRAM {
        return None;
    }
    let mut out = vec![0u8; HEADER_OFFSET + payload.len()];
    // Headers for an empty aggregation payload, then the lengths and checksum for this one.
    wire::write_l2_l4(&mut out, addr, 0);
    let ip_len = (IPV4_LEN + wire::UDP_LEN + payload.len()) as u16;
    out[frame::IP_LEN.at(0)].copy_from_slice(&ip_len.to_be_bytes());
    out[frame::UDP_LEN.at(0)].copy_from_slice(&(ip_len - IPV4_LEN as u16).to_be_bytes());
    out[frame::IP_CSUM.at(0)].copy_from_slice(&[0, 0]);
    let csum = wire::ipv4_checksum(&out[ETH_LEN..ETH_LEN + IPV4_LEN]);
    out[frame::IP_CSUM.at(0)].copy_from_slice(&csum.to_be_bytes());
    out[HEADER_OFFSET..].copy_from_slice(payload);
    Some(out)
}

/// Where a frame the card sends to the network goes: the (tenant, worker) its destination
/// address names and the UDP payload (bytes 42..). `None` for a frame that is not IPv4 or is too
/// short, or whose destination is not a worker of the plan.
pub fn route(frame_bytes: &[u8]) -> Option<((u8, u8), &[u8])> {
    if frame_bytes.len() < HEADER_OFFSET
        || frame_bytes[frame::ETH_TYPE.at(0)] != wire::ETHERTYPE_IPV4.to_be_bytes()
    {
        return None;
    }
    let dst: [u8; 4] = frame_bytes[frame::IP_DST.at(0)].try_into().expect("4 bytes");
    Some((worker_of_ip(dst)?, &frame_bytes[HEADER_OFFSET..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aggnic_spec::wire::{Frame, Header, Kind};

    #[test]
    fn wrap_gives_the_frame_encode_gives() {
        let f = Frame {
            addr: update_addressing(3, 7, 0x4147),
            header: Header {
                kind: Kind::Update,
                flags: 0,
                tenant: 3,
                worker: 7,
                elements: 3,
                seq: 9,
                salt: 1,
                key_or_bitmap: 42,
            },
            payload: vec![1, -2, 3],
        };
        let bytes = f.encode();
        assert_eq!(wrap(&f.addr, &bytes[HEADER_OFFSET..]).unwrap(), bytes);
        assert_eq!(wire::decode(&bytes).unwrap(), f);
        let back = Frame {
            addr: result_addressing(3, 7, 0x4147),
            ..f.clone()
        }
        .encode();
        assert_eq!(route(&back), Some(((3, 7), &back[HEADER_OFFSET..])));
        // The PS's own address is not a worker's.
        assert_eq!(
            route(
                &Frame {
                    addr: ps_control_addressing(1),
                    ..f.clone()
                }
                .encode()
            ),
            None
        );
        assert_eq!(route(&bytes[..41]), None);
        assert!(wrap(&f.addr, &vec![0; MAX_DATAGRAM + 1]).is_none());
        assert_eq!(
            wrap(&f.addr, &vec![0; MAX_DATAGRAM]).unwrap().len(),
            ETH_LEN + 65535
        );
    }

    #[test]
    fn every_worker_has_its_own_address() {
        for t in [0u8, 1, 255] {
            for w in [0u8, 5, 63, 255] {
                assert_eq!(worker_of_ip(worker_ip(t, w)), Some((t, w)));
                assert_ne!(worker_ip(t, w), PS_IP);
            }
        }
        assert_eq!(worker_of_ip(PS_IP), None);
    }
}
