# Creation across nets that the kernel refuses, and what stays: a veth whose two ends would
# take one name in the target (EEXIST), a macvlan whose lower is looked up in the command's
# net (ns2 has a), and one whose target netns does not exist.
# Expected: ns1 holds a and m0 (m0 on ns2's a), ns2 holds a.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add a netns ns2 type veth peer name a netns ns2
ip -n ns1 link add a netns ns2 type veth peer name a
ip -n ns2 link add m0 netns ns1 link a type macvlan
ip -n ns2 link add m1 netns nosuch link a type macvlan
