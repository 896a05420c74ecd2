# Both ends of a cross-netns pair are deleted at once: whichever runs second finds its
# device already gone ("Cannot find device") or already unregistering. Expected: each
# device is unregistered exactly once, ns1 and ns2 end empty, at least one delete succeeds.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link del veth0 &
ip -n ns2 link del veth1 &
wait
