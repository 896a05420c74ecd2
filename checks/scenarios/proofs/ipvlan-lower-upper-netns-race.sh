# kernel-notes §7.4 minimal scenario 2: a lower veth0 in ns1 with ipvlan uppers in ns2 and
# ns3. Concurrently: delete the lower from ns1, delete the ns2 upper, destroy ns3. Each
# device must be unregistered exactly once and every reference to veth0 put.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer veth1
ip -n ns2 link add ipvl2 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns3 link add ipvl3 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns1 link del veth0 &
ip -n ns2 link del ipvl2 &
ip netns del ns3 &
wait
