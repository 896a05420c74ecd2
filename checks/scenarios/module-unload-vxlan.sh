# `rmmod vxlan` with vx0 moved away from its socket's net: rtnl_link_unregister() deletes it in
# ns2, then unregister_pernet_subsys() runs vxlan's exit_rtnl in every net and finds nothing.
# Expected in every mode but rtnl-free: both nets end empty.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vx0 type vxlan id 1 dstport 4789
ip -n ns1 link set vx0 netns ns2
rmmod vxlan
