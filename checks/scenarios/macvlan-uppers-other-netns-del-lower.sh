# The cover-letter shape with macvlan: uppers created on veth0 in ns1 and moved to ns2 and
# ns3; deleting the lower unregisters the uppers in the other namespaces in the same batch.
# Expected: ns1, ns2 and ns3 end empty (veth1 goes with its peer).
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link add mv2 link veth0 type macvlan mode bridge
ip -n ns1 link set mv2 netns ns2
ip -n ns1 link add mv3 link veth0 type macvlan mode private
ip -n ns1 link set mv3 netns ns3
ip -n ns1 link del veth0
