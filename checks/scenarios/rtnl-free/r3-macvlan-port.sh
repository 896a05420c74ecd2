# rtnl-free R3: macvlan (unconverted) keeps port->count and the lower's rx_handler under RTNL.
# mv2's macvlan_init ran under ns1 and ns2's locks; deleting mv2 from ns2 runs macvlan_uninit
# under ns2->rtnl_mutex alone, so a creation from ns3 could race it (S14). Past R1 and R2:
#   rtnl-check check checks/scenarios/rtnl-free/r3-macvlan-port.sh --mode rtnl-free \
#       --variant convert-net-todo-list --variant convert-adj-list-instance-lock
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer name veth1
ip -n ns2 link add mv2 link veth0 link-netns ns1 type macvlan mode bridge
ip -n ns3 link add mv3 link veth0 link-netns ns1 type macvlan mode bridge
ip -n ns2 link del mv2
