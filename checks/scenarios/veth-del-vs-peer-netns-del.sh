# One end is deleted while the other end's namespace is being destroyed (the cover
# letter's race, minus the second delete). Expected: ns2 gone, ns1 empty, the delete either
# succeeds or finds veth0 already gone.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1 netns ns2
ip -n ns1 link del veth0 &
ip netns del ns2 &
wait
