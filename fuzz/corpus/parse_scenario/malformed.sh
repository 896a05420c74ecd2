ip -n ns1 link add veth0 type veth peer name veth1 netns
ip link set dev x netns ns2 &&
wait &
