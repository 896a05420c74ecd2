//! Plans as bytes, for cargo-fuzz: [`Plan::from_bytes`], [`Plan::to_bytes`] and `Arbitrary`.

use super::*;

impl Plan {
    /// Decodes a plan from bytes: `[nets, setup count, op count]`, then 4 bytes per intent
    /// (see [`SetupIntent::from_bytes`], [`OpIntent::from_bytes`]); missing bytes read as 0.
    /// Returns the plan and the bytes after it.
    pub fn from_bytes(data: &[u8]) -> (Plan, &[u8]) {
        let mut r = Reader { data };
        let nets = r.byte();
        let n_setup = usize::from(r.byte() % 24);
        let n_ops = usize::from(r.byte() % 12);
        let setup = (0..n_setup).map(|_| SetupIntent::from_bytes(r.four())).collect();
        let ops = (0..n_ops).map(|_| OpIntent::from_bytes(r.four())).collect();
        (Plan { nets, setup, ops, keys: Vec::new() }, r.data)
    }

    /// The bytes [`Plan::from_bytes`] decodes to this plan (counts beyond what it reads are
    /// cut; keys are not encoded), for writing fuzz seeds.
    pub fn to_bytes(&self) -> Vec<u8> {
        let setup = &self.setup[..self.setup.len().min(23)];
        let ops = &self.ops[..self.ops.len().min(11)];
        let mut out = vec![self.nets, setup.len() as u8, ops.len() as u8];
        for i in setup {
            out.extend(i.to_bytes());
        }
        for i in ops {
            out.extend(i.to_bytes());
        }
        out
    }
}

struct Reader<'a> {
    data: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    fn four(&mut self) -> [u8; 4] {
        [self.byte(), self.byte(), self.byte(), self.byte()]
    }
}

impl SetupIntent {
    /// `[tag, a, b, c]`: tag modulo 6 picks the variant, in declaration order; flags are bit 0
    /// of `c` (`macvlan`, `bareudp`) and bit 1 (`link_netns`); an upper's mode is `c >> 2`.
    pub fn from_bytes([tag, a, b, c]: [u8; 4]) -> Self {
        match tag % 6 {
            0 => SetupIntent::Veth { net: a, peer: b },
            1 => SetupIntent::Twin { net: a, peer: b },
            2 => SetupIntent::Upper { macvlan: c & 1 != 0, lower: a, net: b, link_netns: c & 2 != 0, mode: c >> 2 },
            3 => SetupIntent::Tunnel { bareudp: c & 1 != 0, socket: a, net: b },
            4 => SetupIntent::Move { dev: a, to: b },
            _ => SetupIntent::Fail { kind: a, arg: b },
        }
    }

    pub fn to_bytes(&self) -> [u8; 4] {
        match *self {
            SetupIntent::Veth { net, peer } => [0, net, peer, 0],
            SetupIntent::Twin { net, peer } => [1, net, peer, 0],
            SetupIntent::Upper { macvlan, lower, net, link_netns, mode } => {
                [2, lower, net, u8::from(macvlan) | u8::from(link_netns) << 1 | (mode % 64) << 2]
            }
            SetupIntent::Tunnel { bareudp, socket, net } => [3, socket, net, u8::from(bareudp)],
            SetupIntent::Move { dev, to } => [4, dev, to, 0],
            SetupIntent::Fail { kind, arg } => [5, kind, arg, 0],
        }
    }
}

impl OpIntent {
    /// `[tag, a, b, _]`: tag modulo 4 (bits 0-1) picks the kind, bit 7 is `with_next`.
    pub fn from_bytes([tag, a, b, _]: [u8; 4]) -> Self {
        let op = match tag & 3 {
            0 => OpKind::Del { dev: a },
            1 => OpKind::DelNetns { ns: a },
            2 => OpKind::Move { dev: a, to: b },
            _ => OpKind::Fail { kind: a, arg: b },
        };
        OpIntent { op, with_next: tag & 0x80 != 0 }
    }

    pub fn to_bytes(&self) -> [u8; 4] {
        let next = if self.with_next { 0x80 } else { 0 };
        match self.op {
            OpKind::Del { dev } => [next, dev, 0, 0],
            OpKind::DelNetns { ns } => [next | 1, ns, 0, 0],
            OpKind::Move { dev, to } => [next | 2, dev, to, 0],
            OpKind::Fail { kind, arg } => [next | 3, kind, arg, 0],
        }
    }
}

#[cfg(feature = "arbitrary")]
mod fuzz_input {
    use super::super::{Limits, OpIntent, Plan, SetupIntent, Topology};
    use arbitrary::{Arbitrary, Result, Unstructured};

    fn four(u: &mut Unstructured<'_>) -> Result<[u8; 4]> {
        <[u8; 4]>::arbitrary(u)
    }

    /// The same layout as [`Plan::from_bytes`], read from the front, so that the bytes after a
    /// plan stay available (the `explore_schedule` target schedules with them).
    impl<'a> Arbitrary<'a> for Plan {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let [nets, n_setup, n_ops] = <[u8; 3]>::arbitrary(u)?;
            let setup = (0..n_setup % 24).map(|_| four(u).map(SetupIntent::from_bytes)).collect::<Result<_>>()?;
            let ops = (0..n_ops % 12).map(|_| four(u).map(OpIntent::from_bytes)).collect::<Result<_>>()?;
            Ok(Plan { nets, setup, ops, keys: Vec::new() })
        }
    }

    /// A topology within [`Limits::fuzz`].
    impl<'a> Arbitrary<'a> for Topology {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(Plan::arbitrary(u)?.build(&Limits::fuzz()))
        }
    }
}
