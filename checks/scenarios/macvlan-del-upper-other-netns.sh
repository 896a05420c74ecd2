# Deleting a macvlan upper that lives in another namespace than its lower. Expected: only
# mv2 goes; the lower pair stays in ns1 and ns2 ends empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link add mv2 link veth0 type macvlan mode vepa
ip -n ns1 link set mv2 netns ns2
ip -n ns2 link del mv2
