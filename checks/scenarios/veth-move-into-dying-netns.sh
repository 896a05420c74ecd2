# A device is moved into a namespace while that namespace is being deleted. Either the
# move wins (veth1 dies with ns2 and takes veth0 along: ns1 empty) or the delete wins (ip
# cannot open ns2, or the kernel refuses a dying netns with EINVAL: ns1 keeps both ends).
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link set veth1 netns ns2 &
ip netns del ns2 &
wait
