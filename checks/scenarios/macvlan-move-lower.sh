# The lower itself is moved after its uppers were placed in other namespaces; uppers keep
# their lower across the move. Expected: the move succeeds; deleting the lower in ns4 then
# removes mv2 (ns2) and mv3 (ns3); veth1 is left alone in ns1.
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip netns add ns4
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link add mv2 link veth0 type macvlan
ip -n ns1 link set mv2 netns ns2
ip -n ns1 link add mv3 link veth0 type macvlan
ip -n ns1 link set mv3 netns ns3
ip -n ns1 link set veth0 netns ns4
ip -n ns4 link del veth0
