# Commands the kernel refuses are outcomes too: deleting a missing device, moving into a
# missing netns, a duplicate name. Expected: those three fail; ns1 keeps veth0 and veth1.
ip netns add ns1
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link del nosuch0
ip -n ns1 link set veth1 netns nosuchns
ip -n ns1 link add veth0 type veth peer name veth2
