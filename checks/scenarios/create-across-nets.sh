# Creation across nets (patch 1): rtnl_newlink() locks the socket's net, the target net
# (`netns NS` before `type`), the link net and the peer's net in rtnl_nets order.
# veth0 is created from ns1 in ns2, its peer in ns3 (three nets locked at once); mv0 from ns2 in
# ns3 on the lower veth0, which is looked up in the command's net ns2; vx0 from ns1 in ns2,
# its socket in ns1. Then ns1's destruction (vxlan's exit kills vx0 in ns2) races the
# deletion of veth0 (macvlan's event kills mv0 in ns3, veth1 in ns3 goes with its peer).
# Expected: every device gone; ns2 and ns3 end empty.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 netns ns2 type veth peer name veth1 netns ns3
ip -n ns2 link add mv0 netns ns3 link veth0 type macvlan mode bridge
ip -n ns1 link add vx0 netns ns2 type vxlan id 5 dstport 4789
ip netns del ns1 &
ip -n ns2 link del veth0 &
wait
