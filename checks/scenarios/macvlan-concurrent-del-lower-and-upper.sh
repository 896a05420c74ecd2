# The lower (in ns1) and an upper (in ns2) are deleted at once. Expected: mv2 is
# unregistered exactly once, either by its own delete or with the lower; ns1 and ns2 end
# empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link add mv2 link veth0 type macvlan mode bridge
ip -n ns1 link set mv2 netns ns2
ip -n ns1 link del veth0 &
ip -n ns2 link del mv2 &
wait
