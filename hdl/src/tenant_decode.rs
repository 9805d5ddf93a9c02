//! `TenantDecode`: a tenant id as the one-hot select the tenant table's ports take.
//!
//! Bit `t` of `hot` is set for tenant `t` below the limit given at construction (at most
//! [`MAX_TENANTS`]); an id at or above it decodes to 0, which every `OneHotMux` reads as no tenant.
//! The core decodes the tenant of its lookups and of its state writes with it (limit
//! `MAX_TENANTS`: the table ties off the entries an export does not have), the table decodes
//! `TENANT_SEL` (limit the export's tenants: `hot` is then 0 exactly when the selection is no
//! tenant). Combinational: the users register `hot`.

use crate::tenant_table::{MAX_TENANTS, TENANT_BITS};
use rust_hdl::prelude::*;

/// `N`: the width of the id (8 for a header's tenant field, 32 for a register value).
#[derive(LogicBlock, Debug)]
pub struct TenantDecode<const N: usize> {
    pub tenant: Signal<In, Bits<N>>,
    pub hot: Signal<Out, Bits<MAX_TENANTS>>,
    limit: Constant<Bits<N>>,
    one: Constant<Bits<MAX_TENANTS>>,
}

impl<const N: usize> TenantDecode<N> {
    /// # Panics
    /// If `limit` is 0 or above [`MAX_TENANTS`].
    pub fn new(limit: usize) -> Self {
        assert!((1..=MAX_TENANTS).contains(&limit), "limit {limit}");
        Self {
            tenant: Default::default(),
            hot: Default::default(),
            limit: Constant::new(limit.to_bits()),
            one: Constant::new(1u64.to_bits()),
        }
    }
}

impl<const N: usize> Logic for TenantDecode<N> {
    #[hdl_gen]
    fn update(&mut self) {
        self.hot.next = 0.into();
        if self.tenant.val() < self.limit.val() {
            self.hot.next = self.one.val() << self.tenant.val().get_bits::<TENANT_BITS>(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Rng, settle, verilator_lint, yosys_check};

    fn check<const N: usize>(limit: usize, ids: impl Iterator<Item = u64>) -> (u32, u32) {
        let mut uut = TenantDecode::<N>::new(limit);
        uut.connect_all();
        let (mut hits, mut misses) = (0, 0);
        for id in ids {
            uut.tenant.next = id.to_bits();
            settle(&mut uut);
            let want = if id < limit as u64 { 1u64 << id } else { 0 };
            assert_eq!(uut.hot.val().to_u64(), want, "N {N}, limit {limit}, id {id:#x}");
            if want == 0 { misses += 1 } else { hits += 1 }
        }
        (hits, misses)
    }

    #[test]
    fn one_bit_per_tenant_below_the_limit_none_above() {
        // Every 8-bit id at both limits the core and the table use.
        assert_eq!(check::<8>(MAX_TENANTS, 0..256), (64, 192));
        assert_eq!(check::<8>(5, 0..256), (5, 251));
        // 32-bit register values: the ids near the limit, and random ones whose low six bits
        // alone would name a tenant.
        let mut rng = Rng::new(0x7e_dec);
        let near = (0..70).chain([u32::MAX as u64, 1 << 6, (1 << 31) | 3]);
        let random = (0..500).map(|_| rng.next_u32() as u64);
        let (hits, misses) = check::<32>(16, near.chain(random));
        assert_eq!(hits, 16);
        assert!(misses > 500, "{misses}");
    }

    #[test]
    fn synthesizes() {
        let mut uut = TenantDecode::<32>::new(16);
        let verilog = yosys_check("aggnic_hdl_tenant_decode", &mut uut);
        verilator_lint("aggnic_hdl_tenant_decode_lint", &verilog, &["WIDTH"]);
    }
}
