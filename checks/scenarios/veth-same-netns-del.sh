# A veth pair with both ends in ns1; deleting one end unregisters both in one batch.
# Expected: ns1 ends empty; the delete succeeds.
ip netns add ns1
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns1 link del veth0
