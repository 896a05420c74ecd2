# The series' cover letter: ipvlan uppers created in ns2 and ns3 on veth0 in ns1 through
# "link-netns"; deleting the lower removes them in the same batch (ipvlan needs
# CONFIG_IPVLAN). Expected: ns1, ns2 and ns3 end empty.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer veth1
ip -n ns2 link add ipvl2 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns3 link add ipvl3 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns1 link del veth0
