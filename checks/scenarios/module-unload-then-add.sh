# `rmmod veth` deletes the pair; a second `rmmod veth` fails (ENOENT: not loaded); creating a
# veth afterwards loads the module again (rtnl_newlink()'s request_module("rtnl-link-veth")).
# Expected in every mode: ns1 holds only the new pair.
ip netns add ns1
ip -n ns1 link add veth0 type veth peer name veth1
rmmod veth
rmmod veth
ip -n ns1 link add veth2 type veth peer name veth3
