# The cover letter's scenario (cover-letter.sh) with ns3 destroyed while veth0 is deleted:
# ipvl3 is reached both through the lower's upper list (queued on ns3) and by cleanup_net(ns3).
ip netns add ns1
ip netns add ns2
ip netns add ns3
ip -n ns1 link add veth0 type veth peer veth1
ip -n ns2 link add ipvl2 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns3 link add ipvl3 link veth0 link-netns ns1 type ipvlan mode l2
ip -n ns1 link del veth0 &
ip netns del ns3 &
wait
