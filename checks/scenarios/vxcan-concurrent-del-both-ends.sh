# Both ends of a cross-netns vxcan pair are deleted at once: whichever runs second finds its
# device already gone ("Cannot find device") or, with --variant followup-vxcan, still listed
# but queued on its net, its peer pointer already taken (the xchg() token). Expected: each
# device is unregistered exactly once, ns1 and ns2 end empty, at least one delete succeeds.
ip netns add ns1
ip netns add ns2
ip -n ns1 link add vxcan0 type vxcan peer name vxcan1 netns ns2
ip -n ns1 link del vxcan0 &
ip -n ns2 link del vxcan1 &
wait
