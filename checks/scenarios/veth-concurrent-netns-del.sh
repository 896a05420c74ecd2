# Both namespaces of a pair are destroyed at once, so two cleanup_net() batches (or one)
# race to unregister the two ends. Expected: both namespaces are gone, no device survives.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip netns del ns1 &
ip netns del ns2 &
wait
