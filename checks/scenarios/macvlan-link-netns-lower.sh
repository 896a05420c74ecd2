# An upper created directly in ns2 on a lower in ns1 with "link-netns" (the cover
# letter's form). Needs an iproute2 that resolves "link DEV" in the link netns; older ones
# fail the add with "Cannot find device". Expected then: deleting veth0 removes mv2 from ns2.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add mv2 link veth0 link-netns ns1 type macvlan mode bridge
ip -n ns1 link del veth0
