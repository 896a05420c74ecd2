# kernel-notes §7.4 minimal scenario 1.
# Both ends of a veth pair that spans two namespaces are deleted at once, while one of
# the namespaces is being destroyed: each device must be unregistered exactly once.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link del veth0 &
ip -n ns2 link del veth1 &
ip netns del ns2 &
wait
