# ipvlan uppers created next to their lower and moved out; then the lower's namespace is
# destroyed. Expected: ns1 gone; ipvl2 (ns2) and ipvl3 (ns3) removed with veth0.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link add ipvl2 link veth0 type ipvlan mode l3
ip -n ns1 link set ipvl2 netns ns2
ip -n ns1 link add ipvl3 link veth0 type ipvlan mode l3s
ip -n ns1 link set ipvl3 netns ns3
ip netns del ns1
